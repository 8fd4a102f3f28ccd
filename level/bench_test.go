package level_test

import (
	"fmt"
	"testing"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveltest"
)

// BenchmarkDevicesAll walks 10,000 devices (100 pages) on the fake.
func BenchmarkDevicesAll(b *testing.B) {
	srv := leveltest.NewServer(b)
	g := srv.SeedGroup(level.Group{Name: "Acme"})
	for i := range 10000 {
		srv.SeedDevice(level.Device{Hostname: fmt.Sprint("pc", i), GroupID: g.ID, SerialNumber: fmt.Sprint("SN", i)})
	}
	c, err := srv.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, err := range c.Devices.All(b.Context(), nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10000 {
			b.Fatalf("%d devices", n)
		}
	}
}
