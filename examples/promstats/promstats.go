// Package promstats serves an alerting engine's counters on GET /metrics
// with the Prometheus client library, for the example programs
// (datto-alerts-to-halo, level-to-halo). The SDK itself exposes the numbers
// (alerting.Engine.Stats, alerting.Stats.Metrics) and imports no metrics
// library; copy this package into your program to do the same.
package promstats

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mspsync/mspsync/alerting"
)

// metricsTimeout bounds reading the engine's Stats for one scrape (the
// pending count is read from the store).
const metricsTimeout = 5 * time.Second

// engineCollector is a prometheus.Collector reading an alerting engine's
// Stats at each scrape: every alerting.Metric under MetricPrefix, counters
// as counters, gauges as gauges, per-reason counters with their label.
// The library exposes the numbers (Engine.Stats, Stats.Metrics); only this
// package knows Prometheus.
type engineCollector struct {
	eng   *alerting.Engine
	log   *slog.Logger
	descs map[string]*prometheus.Desc // by metric name
}

func newEngineCollector(eng *alerting.Engine, logger *slog.Logger) *engineCollector {
	c := &engineCollector{eng: eng, log: logger, descs: map[string]*prometheus.Desc{}}
	for _, m := range (alerting.Stats{}).Metrics() { // names and labels do not depend on values
		if c.descs[m.Name] != nil {
			continue
		}
		var labels []string
		if m.Label != "" {
			labels = []string{m.Label}
		}
		c.descs[m.Name] = prometheus.NewDesc(alerting.MetricPrefix+m.Name, m.Help, labels, nil)
	}
	return c
}

// Describe sends the descriptor of every metric.
func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads the engine's Stats and sends one sample per metric. When
// the store cannot say how much is pending, the scrape fails (GET
// /metrics answers 500) rather than report a wrong gauge.
func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), metricsTimeout)
	defer cancel()
	s, err := c.eng.Stats(ctx)
	if err != nil {
		c.log.Error("metrics: reading the engine's stats", "err", err)
		ch <- prometheus.NewInvalidMetric(c.descs["pending"], err)
		return
	}
	for _, m := range s.Metrics() {
		d := c.descs[m.Name]
		if d == nil { // not in Stats{}.Metrics(): cannot happen, see alerting's TestMetricsCoverStats
			continue
		}
		typ := prometheus.CounterValue
		if m.Gauge {
			typ = prometheus.GaugeValue
		}
		var labels []string
		if m.Label != "" {
			labels = []string{m.LabelValue}
		}
		ch <- prometheus.MustNewConstMetric(d, typ, float64(m.Value), labels...)
	}
}

// Handler serves GET /metrics: the engine's counters, and the Go
// runtime's and the process's (memory, goroutines, open files, CPU), in
// whichever exposition format the scraper asks for.
func Handler(eng *alerting.Engine, logger *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newEngineCollector(eng, logger),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)})
}
