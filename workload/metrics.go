package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// durationBuckets are Prometheus' client defaults, so dashboards and
// histogram_quantile queries written for other services work unchanged.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics is hand-written rather than client_golang to keep the binary
// dependency-free; the exposition text format is simple and stable.
type Metrics struct {
	service, instance string
	healthy           func() bool
	inFlight          atomic.Int64

	mu       sync.Mutex
	requests map[[2]string]uint64 // {method, code}
	upstream map[[2]string]uint64 // {upstream, code}
	buckets  []uint64             // per-bucket (non-cumulative) counts
	durSum   float64
	durCount uint64
}

func NewMetrics(service, instance string, healthy func() bool) *Metrics {
	return &Metrics{
		service: service, instance: instance, healthy: healthy,
		requests: map[[2]string]uint64{}, upstream: map[[2]string]uint64{},
		buckets: make([]uint64, len(durationBuckets)),
	}
}

func (m *Metrics) ObserveRequest(method, code string, d time.Duration) {
	secs := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{method, code}]++
	m.durSum += secs
	m.durCount++
	for i, le := range durationBuckets {
		if secs <= le {
			m.buckets[i]++
			break
		}
	}
}

func (m *Metrics) ObserveUpstream(upstream, code string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.upstream[[2]string{upstream, code}]++
}

// WriteText renders the Prometheus text exposition format (version 0.0.4).
func (m *Metrics) WriteText(w io.Writer) {
	base := fmt.Sprintf(`service="%s",instance="%s"`, escapeLabel(m.service), escapeLabel(m.instance))
	var b strings.Builder
	m.mu.Lock()
	family(&b, "workload_requests_total", "counter", "HTTP requests served, by method and status code (\"aborted\" for x-fault-abort).")
	for _, k := range sortedKeys(m.requests) {
		fmt.Fprintf(&b, "workload_requests_total{%s,method=\"%s\",code=\"%s\"} %d\n", base, escapeLabel(k[0]), escapeLabel(k[1]), m.requests[k])
	}
	family(&b, "workload_request_duration_seconds", "histogram", "Time to serve HTTP requests, including injected delays.")
	var cum uint64
	for i, le := range durationBuckets {
		cum += m.buckets[i]
		fmt.Fprintf(&b, "workload_request_duration_seconds_bucket{%s,le=\"%s\"} %d\n", base, formatFloat(le), cum)
	}
	fmt.Fprintf(&b, "workload_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", base, m.durCount)
	fmt.Fprintf(&b, "workload_request_duration_seconds_sum{%s} %s\n", base, formatFloat(m.durSum))
	fmt.Fprintf(&b, "workload_request_duration_seconds_count{%s} %d\n", base, m.durCount)
	family(&b, "workload_upstream_requests_total", "counter", "Calls made through /call/, by upstream and status code (\"error\" or \"timeout\" when no response).")
	for _, k := range sortedKeys(m.upstream) {
		fmt.Fprintf(&b, "workload_upstream_requests_total{%s,upstream=\"%s\",code=\"%s\"} %d\n", base, escapeLabel(k[0]), escapeLabel(k[1]), m.upstream[k])
	}
	m.mu.Unlock()

	healthy := 0
	if m.healthy() {
		healthy = 1
	}
	family(&b, "workload_healthy", "gauge", "1 unless set unhealthy via /admin/state (then /health answers 503); healthStatus does not change it.")
	fmt.Fprintf(&b, "workload_healthy{%s} %d\n", base, healthy)
	family(&b, "workload_in_flight_requests", "gauge", "Requests currently being served, including this scrape.")
	fmt.Fprintf(&b, "workload_in_flight_requests %d\n", m.inFlight.Load())
	_, _ = io.WriteString(w, b.String())
}

func family(b *strings.Builder, name, typ, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

func sortedKeys(m map[[2]string]uint64) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	return keys
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Escaping rules from the exposition format spec: label values escape
// backslash, double quote and newline; HELP text escapes backslash and newline.
var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
