package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestServer starts the workload on a loopback listener, as it runs behind a sidecar.
func newTestServer(t *testing.T, upstreams map[string]string) *httptest.Server {
	t.Helper()
	cfg := Config{ServiceName: "payment-service", InstanceID: "payment-service-1", Version: "v1", Upstreams: upstreams, MetricsPath: "/metrics"}
	srv := httptest.NewServer(NewServer(cfg, io.Discard))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string, headers map[string]string, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func TestEchoNamesServiceInstanceAndVersionWithoutLeakingTokens(t *testing.T) {
	srv := newTestServer(t, nil)
	code, body := do(t, "GET", srv.URL+"/pay?x=1", map[string]string{"Authorization": "Bearer secret", "X-Meshwright-Probe": "p-1"}, "")
	if code != 200 || body["service"] != "payment-service" || body["instance"] != "payment-service-1" || body["version"] != "v1" {
		t.Fatalf("echo: %d %v", code, body)
	}
	if body["probe"] != "p-1" {
		t.Errorf("probe header not echoed: %v", body["probe"])
	}
	if strings.Contains(mustJSON(body), "secret") {
		t.Errorf("echo leaks the bearer token: %v", body)
	}
}

func TestCallForwardsToTheUpstreamListenerWithAuthorizationAndPromotedFaults(t *testing.T) {
	var got http.Header
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"service":"ledger","path":"` + r.URL.Path + `"}`))
	}))
	defer upstream.Close()
	srv := newTestServer(t, map[string]string{"ledger": strings.TrimPrefix(upstream.URL, "http://")})

	code, body := do(t, "POST", srv.URL+"/call/ledger/entries", map[string]string{"Authorization": "Bearer t", "X-Upstream-Fault-Status": "503"}, "{}")
	if code != 201 || body["upstream"] != "ledger" || body["status"].(float64) != 201 {
		t.Fatalf("call: %d %v", code, body)
	}
	if resp := body["response"].(map[string]any); resp["path"] != "/entries" {
		t.Errorf("upstream saw path %v, want /entries", resp["path"])
	}
	if got.Get("Authorization") != "Bearer t" {
		t.Errorf("Authorization not forwarded: %q", got.Get("Authorization"))
	}
	if got.Get("X-Fault-Status") != "503" || got.Get("X-Upstream-Fault-Status") != "" {
		t.Errorf("x-upstream-fault-status should arrive as x-fault-status: %v", got)
	}
}

func TestCallToAnUnknownUpstreamNamesTheKnownOnes(t *testing.T) {
	srv := newTestServer(t, map[string]string{"ledger": "127.0.0.1:1"})
	code, body := do(t, "GET", srv.URL+"/call/nope/", nil, "")
	if code != 404 || !strings.Contains(body["error"].(string), "ledger") {
		t.Fatalf("unknown upstream: %d %v", code, body)
	}
}

func TestCallToAClosedListenerIsABadGateway(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	srv := newTestServer(t, map[string]string{"ledger": addr})
	if code, body := do(t, "GET", srv.URL+"/call/ledger/", nil, ""); code != 502 || body["error"] == nil {
		t.Fatalf("closed upstream: %d %v", code, body)
	}
}

func TestFaultStatusAndDelayHeaders(t *testing.T) {
	srv := newTestServer(t, nil)
	if code, body := do(t, "GET", srv.URL+"/x", map[string]string{"X-Fault-Status": "503"}, ""); code != 503 || body["instance"] != "payment-service-1" {
		t.Fatalf("x-fault-status: %d %v", code, body)
	}
	start := time.Now()
	if code, _ := do(t, "GET", srv.URL+"/x", map[string]string{"X-Fault-Delay-Ms": "150"}, ""); code != 200 {
		t.Fatalf("x-fault-delay-ms: %d", code)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Errorf("delay not applied: %v", time.Since(start))
	}
	if code, _ := do(t, "GET", srv.URL+"/x", map[string]string{"X-Fault-Status": "99"}, ""); code != 400 {
		t.Errorf("a status outside 200-599 should be rejected, got %d", code)
	}
}

func TestFaultAbortClosesTheConnectionWithoutAResponse(t *testing.T) {
	srv := newTestServer(t, nil)
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	req.Header.Set("X-Fault-Abort", "true")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("expected the connection to be closed, got HTTP %d", res.StatusCode)
	}
}

func TestAdminStateDrivesErrorsLatencyAndHealth(t *testing.T) {
	srv := newTestServer(t, nil)
	if code, _ := do(t, "PUT", srv.URL+"/admin/state", nil, `{"errorRate":1,"errorStatus":502}`); code != 200 {
		t.Fatalf("set error rate: %d", code)
	}
	for i := 0; i < 20; i++ {
		if code, _ := do(t, "GET", srv.URL+"/x", nil, ""); code != 502 {
			t.Fatalf("errorRate 1 must fail every request, got %d", code)
		}
	}
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 200 {
		t.Errorf("error rate must not touch /health, got %d", code)
	}
	do(t, "PUT", srv.URL+"/admin/state", nil, `{"errorRate":0,"healthy":false}`)
	if code, _ := do(t, "GET", srv.URL+"/x", nil, ""); code != 200 {
		t.Errorf("errorRate 0 must pass, got %d", code)
	}
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 503 {
		t.Errorf("unhealthy instance must answer 503 on /health, got %d", code)
	}
	if code, body := do(t, "PUT", srv.URL+"/admin/state", nil, `{"errorRate":2}`); code != 400 || body["error"] == nil {
		t.Errorf("errorRate 2 must be refused with a reason: %d %v", code, body)
	}
	do(t, "POST", srv.URL+"/admin/reset", nil, "")
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 200 {
		t.Errorf("reset must restore health, got %d", code)
	}
}

func TestMetricsCountRequestsInPrometheusTextFormat(t *testing.T) {
	srv := newTestServer(t, nil)
	do(t, "GET", srv.URL+"/x", nil, "")
	do(t, "GET", srv.URL+"/x", map[string]string{"X-Fault-Status": "500"}, "")
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(raw)
	for _, want := range []string{
		"# TYPE workload_requests_total counter",
		"# TYPE workload_request_duration_seconds histogram",
		`workload_requests_total{service="payment-service",instance="payment-service-1",method="GET",code="200"} 1`,
		`workload_requests_total{service="payment-service",instance="payment-service-1",method="GET",code="500"} 1`,
		`workload_healthy{service="payment-service",instance="payment-service-1"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
}

func TestGetExitCodesMirrorCurl(t *testing.T) {
	srv := newTestServer(t, nil)
	var out, errOut bytes.Buffer
	if code := run([]string{"get", srv.URL + "/x", "-H", "X-Fault-Status: 503"}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Errorf("any HTTP answer exits 0, got %d", code)
	}
	if !strings.Contains(errOut.String(), "status: 503") {
		t.Errorf("status line missing: %q", errOut.String())
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if code := run([]string{"get", "http://" + addr + "/"}, func(string) string { return "" }, &out, &errOut); code != 7 {
		t.Errorf("connection refused exits 7, got %d", code)
	}
	if code := run([]string{"get", srv.URL + "/x", "-H", "X-Fault-Delay-Ms: 2000", "--timeout-ms", "100"}, func(string) string { return "" }, &out, &errOut); code != 28 {
		t.Errorf("timeout exits 28, got %d", code)
	}
}

func TestConfigRequiresAServiceNameAndParsesUpstreams(t *testing.T) {
	env := map[string]string{"UPSTREAMS": "a=127.0.0.1:9191,b=127.0.0.1:9192"}
	if _, err := loadConfig(nil, func(k string) string { return env[k] }); err == nil {
		t.Error("a missing SERVICE_NAME must be an error")
	}
	env["SERVICE_NAME"] = "s"
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	if err != nil || cfg.Upstreams["b"] != "127.0.0.1:9192" || cfg.ListenAddr != "127.0.0.1:8080" {
		t.Fatalf("config: %+v %v", cfg, err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLoadCallsTheUpstreamCountTimesAndReportsWhoAnswered(t *testing.T) {
	var mu sync.Mutex
	seen := 0
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		n := seen
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer t" {
			w.WriteHeader(401)
			return
		}
		_, _ = w.Write([]byte(`{"instance":"i-` + strconv.Itoa(n%2) + `"}`))
	}))
	defer upstream.Close()
	srv := newTestServer(t, map[string]string{"ledger": strings.TrimPrefix(upstream.URL, "http://")})
	code, body := do(t, "POST", srv.URL+"/admin/load", nil, `{"upstream":"ledger","path":"/x","count":40,"concurrency":4,"headers":{"Authorization":"Bearer t"}}`)
	if code != 200 {
		t.Fatalf("load: %d %v", code, body)
	}
	results := body["results"].([]any)
	counts := map[string]int{}
	for _, r := range results {
		m := r.(map[string]any)
		if m["status"].(float64) != 200 {
			t.Fatalf("a call failed: %v", m)
		}
		counts[m["instance"].(string)]++
	}
	if len(results) != 40 || counts["i-0"] != 20 || counts["i-1"] != 20 {
		t.Errorf("want 40 results split 20/20, got %d %v", len(results), counts)
	}
	for i, r := range results {
		if start, ok := r.(map[string]any)["startMs"].(float64); !ok || start < 0 {
			t.Fatalf("result %d has no start offset: %v", i, r)
		}
	}
	if code, _ := do(t, "POST", srv.URL+"/admin/load", nil, `{"upstream":"nope","count":1}`); code != 400 {
		t.Errorf("an unknown upstream must be refused, got %d", code)
	}
	if code, _ := do(t, "POST", srv.URL+"/admin/load", nil, `{"upstream":"ledger","count":0}`); code != 400 {
		t.Errorf("count 0 must be refused, got %d", code)
	}
}

func TestLoadSendsAHostHeaderAsTheRequestHost(t *testing.T) {
	var hosts sync.Map
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hosts.Store(r.Host, true)
		w.Header().Set("content-type", "application/json")
		w.Write([]byte(`{"instance":"i-0"}`))
	}))
	defer upstream.Close()
	srv := newTestServer(t, map[string]string{"edge": strings.TrimPrefix(upstream.URL, "http://")})
	if code, body := do(t, "POST", srv.URL+"/admin/load", nil, `{"upstream":"edge","count":3,"headers":{"host":"shop.local"}}`); code != 200 {
		t.Fatalf("load: %d %v", code, body)
	}
	if _, ok := hosts.Load("shop.local"); !ok {
		t.Errorf("want requests for host shop.local, got %v", func() (seen []any) { hosts.Range(func(k, _ any) bool { seen = append(seen, k); return true }); return }())
	}
}

func noEnv(string) string { return "" }

func TestGetHeadersPrintsEveryResponseHeaderAfterTheStatus(t *testing.T) {
	srv := newTestServer(t, nil)
	var out, errOut bytes.Buffer
	if code := run([]string{"get", srv.URL + "/x", "--headers"}, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("get --headers: exit %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) < 3 || lines[0] != "status: 200" {
		t.Fatalf("want the status line first, then headers; got %q", errOut.String())
	}
	want := map[string]bool{"header: X-Meshwright-Instance: payment-service-1": false, "header: Content-Type: application/json": false}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "header: ") {
			t.Errorf("unexpected stderr line after the status: %q", l)
		}
		if _, ok := want[l]; ok {
			want[l] = true
		}
	}
	for l, seen := range want {
		if !seen {
			t.Errorf("missing %q in %q", l, errOut.String())
		}
	}
	if !strings.Contains(out.String(), `"instance":"payment-service-1"`) {
		t.Errorf("the body still goes to stdout: %q", out.String())
	}

	errOut.Reset()
	run([]string{"get", srv.URL + "/x"}, noEnv, &out, &errOut)
	if strings.Contains(errOut.String(), "header: ") {
		t.Errorf("without --headers no header lines: %q", errOut.String())
	}
	if code := run([]string{"get", "--headers", "http://" + closedAddr(t) + "/"}, noEnv, &out, &errOut); code != 7 {
		t.Errorf("--headers keeps the exit codes: refused exits 7, got %d", code)
	}
}

// closedAddr is a loopback address nothing listens on (connections are refused).
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
