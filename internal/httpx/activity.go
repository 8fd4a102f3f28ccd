package httpx

import "github.com/mspsync/mspsync"

// The typed retry, wait and refresh reports are mspsync's.
type (
	// Activity is mspsync.Activity.
	Activity = mspsync.Activity
	// ActivityKind is mspsync.ActivityKind.
	ActivityKind = mspsync.ActivityKind
)

// Activity kinds, as in package mspsync.
const (
	ActivityRetry   = mspsync.ActivityRetry
	ActivityWait    = mspsync.ActivityWait
	ActivityRefresh = mspsync.ActivityRefresh
)
