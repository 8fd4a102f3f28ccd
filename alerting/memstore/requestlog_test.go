package memstore_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

func TestRequestLogContract(t *testing.T) {
	t.Parallel()
	storetest.RunRequestLog(t, func(t *testing.T, size int) alerting.Store {
		return memstore.New(memstore.WithRequestLogSize(size))
	})
}
