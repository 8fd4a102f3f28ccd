package kaseyabmsdriver_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
)

func TestAlertSinkConforms(t *testing.T) {
	t.Parallel()
	for _, byNote := range []bool{false, true} {
		t.Run(fmt.Sprintf("closeByNote=%v", byNote), func(t *testing.T) {
			t.Parallel()
			alertingtest.RunSink(t, func(t *testing.T) alertingtest.SinkFixture {
				w := newWorld(t)
				asset := w.srv.SeedHardwareAsset(w.contoso.ID, "WS-042", w.ann.ID)
				opts := []kaseyabmsdriver.Option{sinkDefaults, kaseyabmsdriver.WithGroupKeyField(9)}
				if byNote {
					opts = append(opts, kaseyabmsdriver.WithCloseByNote())
				}
				return alertingtest.SinkFixture{
					Sink:         kaseyabmsdriver.NewAlertSink(w.c, opts...),
					Customer:     alerting.Customer{ID: id(w.contoso.ID), Name: "Contoso", Site: id(w.srv.MainLocation(w.contoso.ID).ID)},
					ContactEmail: w.ann.EmailAddress, Contact: id(w.ann.ID),
					Source: "saasalerts", Device: alerting.Device{ID: "WS-042", Hostname: "WS-042"}, Asset: id(asset.ID),
					CloseInPSA: func(tid string) error {
						n, _ := strconv.Atoi(tid)
						if !w.srv.CompleteTicket(n) {
							return fmt.Errorf("no ticket %s", tid)
						}
						return nil
					},
					Notes: func(tid string) []string {
						n, _ := strconv.Atoi(tid)
						var out []string
						for _, x := range w.srv.Notes(n) {
							out = append(out, x.Details)
						}
						return out
					},
				}
			})
		})
	}
}
