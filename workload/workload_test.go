package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// newTestServer starts the workload on a loopback listener, as it runs behind a sidecar.
func newTestServer(t *testing.T, upstreams map[string]string) *httptest.Server {
	t.Helper()
	srv, _ := newTestServers(t, upstreams)
	return srv
}

// newTestServers starts one workload's two listeners: what the mesh reaches
// (LISTEN_ADDR) and its admin API (ADMIN_ADDR).
func newTestServers(t *testing.T, upstreams map[string]string) (srv, admin *httptest.Server) {
	t.Helper()
	cfg := Config{ServiceName: "payment-service", InstanceID: "payment-service-1", Version: "v1", Upstreams: upstreams, MetricsPath: "/metrics"}
	s := NewServer(cfg, io.Discard)
	srv, admin = httptest.NewServer(s), httptest.NewServer(s.AdminHandler())
	t.Cleanup(srv.Close)
	t.Cleanup(admin.Close)
	return srv, admin
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

func TestEchoShowsEveryProxyHeaderItReceivedAndNoOtherHeader(t *testing.T) {
	srv := newTestServer(t, nil)
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	req.Header.Add("X-Forwarded-For", "6.6.6.6")
	req.Header.Add("X-Forwarded-For", "10.0.0.1")
	req.Header.Set("X-Envoy-Original-Path", "/forged")
	req.Header.Set("Forwarded", "for=6.6.6.6")
	req.Header.Set("X-Real-Ip", "6.6.6.6")
	req.Header.Set("X-Forwarded-Client-Cert", "URI=spiffe://x")
	req.Header.Set("Cookie", "session=secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Headers struct {
			Proxy map[string]string `json:"proxy"`
		} `json:"headers"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"x-forwarded-for":         "6.6.6.6, 10.0.0.1",
		"x-envoy-original-path":   "/forged",
		"forwarded":               "for=6.6.6.6",
		"x-real-ip":               "6.6.6.6",
		"x-forwarded-client-cert": "URI=spiffe://x",
	}
	if mustJSON(body.Headers.Proxy) != mustJSON(want) {
		t.Errorf("proxy headers: got %v, want %v", body.Headers.Proxy, want)
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
	srv, admin := newTestServers(t, nil)
	if code, _ := do(t, "PUT", admin.URL+"/admin/state", nil, `{"errorRate":1,"errorStatus":502}`); code != 200 {
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
	do(t, "PUT", admin.URL+"/admin/state", nil, `{"errorRate":0,"healthy":false}`)
	if code, _ := do(t, "GET", srv.URL+"/x", nil, ""); code != 200 {
		t.Errorf("errorRate 0 must pass, got %d", code)
	}
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 503 {
		t.Errorf("unhealthy instance must answer 503 on /health, got %d", code)
	}
	if code, body := do(t, "PUT", admin.URL+"/admin/state", nil, `{"errorRate":2}`); code != 400 || body["error"] == nil {
		t.Errorf("errorRate 2 must be refused with a reason: %d %v", code, body)
	}
	do(t, "POST", admin.URL+"/admin/reset", nil, "")
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 200 {
		t.Errorf("reset must restore health, got %d", code)
	}
}

func TestAdminHealthStatusSetsWhatHealthAnswersWhileHealthy(t *testing.T) {
	srv, admin := newTestServers(t, nil)
	if code, body := do(t, "GET", admin.URL+"/admin/state", nil, ""); code != 200 || body["healthStatus"] != 200.0 {
		t.Fatalf("healthStatus must default to 200: %d %v", code, body)
	}
	// 429 is what Consul's HTTP check reports as warning.
	if code, body := do(t, "PUT", admin.URL+"/admin/state", nil, `{"healthStatus":429}`); code != 200 || body["healthStatus"] != 429.0 || body["healthy"] != true {
		t.Fatalf("set healthStatus 429: %d %v", code, body)
	}
	if code, body := do(t, "GET", srv.URL+"/health", nil, ""); code != 429 || body["status"] != "warning" || body["instance"] != "payment-service-1" {
		t.Errorf("GET /health with healthStatus 429: %d %v", code, body)
	}
	if code, _ := do(t, "HEAD", srv.URL+"/health", nil, ""); code != 429 {
		t.Errorf("HEAD /health with healthStatus 429: %d", code)
	}
	if code, _ := do(t, "GET", srv.URL+"/x", nil, ""); code != 200 {
		t.Errorf("healthStatus must not touch other requests, got %d", code)
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := `workload_healthy{service="payment-service",instance="payment-service-1"} 1`; !strings.Contains(string(raw), want) {
		t.Errorf("workload_healthy stays 1 while healthy is true, metrics lack %q", want)
	}
	// healthy:false answers 503 whatever healthStatus says.
	do(t, "PUT", admin.URL+"/admin/state", nil, `{"healthy":false}`)
	if code, body := do(t, "GET", srv.URL+"/health", nil, ""); code != 503 || body["status"] != "unhealthy" {
		t.Errorf("healthy false with healthStatus 429: %d %v, want 503", code, body)
	}
	do(t, "PUT", admin.URL+"/admin/state", nil, `{"healthy":true,"healthStatus":204}`)
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 204 {
		t.Errorf("healthStatus 204: got %d", code)
	}
	if code, body := do(t, "POST", admin.URL+"/admin/reset", nil, ""); code != 200 || body["healthStatus"] != 200.0 {
		t.Errorf("reset must restore healthStatus 200: %d %v", code, body)
	}
	if code, body := do(t, "GET", srv.URL+"/health", nil, ""); code != 200 || body["status"] != "ok" {
		t.Errorf("after reset: %d %v", code, body)
	}
}

func TestAdminRefusesABadHealthStatusAndChangesNothing(t *testing.T) {
	srv, admin := newTestServers(t, nil)
	for _, body := range []string{
		`{"healthStatus":199}`,
		`{"healthStatus":600}`,
		`{"healthStatus":0}`,
		`{"healthStatus":429.5}`,
		`{"healthStatus":"429"}`,
		`{"healthy":false,"errorRate":1,"healthStatus":100}`,
	} {
		code, res := do(t, "PUT", admin.URL+"/admin/state", nil, body)
		msg, _ := res["error"].(string)
		if code != 400 || !strings.Contains(msg, "healthStatus") {
			t.Errorf("PUT %s: %d %v, want 400 naming healthStatus", body, code, res)
		}
		if st, _ := res["state"].(map[string]any); st["healthStatus"] != 200.0 || st["healthy"] != true || st["errorRate"] != 0.0 {
			t.Errorf("PUT %s must change nothing, state %v", body, res["state"])
		}
	}
	if code, _ := do(t, "GET", srv.URL+"/health", nil, ""); code != 200 {
		t.Errorf("/health after refused updates: %d", code)
	}
	code, res := do(t, "PUT", admin.URL+"/admin/state", nil, `{"healthCode":429}`)
	if msg, _ := res["error"].(string); code != 400 || !strings.Contains(msg, "healthStatus") {
		t.Errorf("an unknown field should list healthStatus among the known ones: %d %v", code, res)
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

// runLoadCmd runs `workload load args...` and decodes its stdout.
func runLoadCmd(t *testing.T, args ...string) (int, []loadResult, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"load"}, args...), noEnv, &out, &errOut)
	if code != 0 {
		return code, nil, errOut.String()
	}
	var doc struct {
		Results []loadResult `json:"results"`
	}
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("load printed no JSON document: %v\n%s", err, out.String())
	}
	return code, doc.Results, errOut.String()
}

func TestLoadPrintsOneResultPerRequestInRequestOrder(t *testing.T) {
	var mu sync.Mutex
	seen := 0
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := seen
		seen++
		mu.Unlock()
		_, _ = w.Write([]byte(`{"instance":"i-` + strconv.Itoa(n) + `"}`))
	}))
	defer upstream.Close()
	code, results, stderr := runLoadCmd(t, upstream.URL+"/x", "-n", "12", "-c", "1")
	if code != 0 || len(results) != 12 {
		t.Fatalf("load: exit %d, %d results, stderr %q", code, len(results), stderr)
	}
	prevStart := -1.0
	for i, r := range results {
		if r.Status != 200 || r.Instance != "i-"+strconv.Itoa(i) || r.Error != "" {
			t.Errorf("result %d: want the %dth request's answer, got %+v", i, i, r)
		}
		if r.StartMs < prevStart || r.LatencyMs < 0 {
			t.Errorf("result %d: startMs %v after %v, latencyMs %v", i, r.StartMs, prevStart, r.LatencyMs)
		}
		prevStart = r.StartMs
	}
}

func TestLoadBatchKeepsRequestOrderWhateverFinishesFirst(t *testing.T) {
	var inFlight, most atomic.Int64
	results := runBatch(20, 4, 0, func(i int) loadResult {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Duration(20-i) * time.Millisecond) // early requests finish last
		inFlight.Add(-1)
		return loadResult{Status: 200 + i}
	})
	for i, r := range results {
		if r.Status != 200+i {
			t.Fatalf("result %d holds request %d's answer", i, r.Status-200)
		}
	}
	if most.Load() > 4 || most.Load() < 2 {
		t.Errorf("want at most 4 (and more than 1) calls in flight, saw %d", most.Load())
	}
}

func TestPacedLoadStartsNoRequestBeforeItsSlot(t *testing.T) {
	const qps = 200 // a slot every 5 ms
	results := runBatch(40, 4, qps, func(int) loadResult { return loadResult{Status: 200} })
	for i, r := range results {
		if slot := float64(i) * 1000 / qps; r.StartMs < slot {
			t.Errorf("request %d started at %.2f ms, before its slot at %.0f ms", i, r.StartMs, slot)
		}
	}
	if _, err := parseLoadArgs([]string{"http://x/", "-n", "5", "-q", "-1"}); err == nil {
		t.Error("want -q -1 refused")
	}
}

func TestLoadBoundsConcurrencyAndReusesConnections(t *testing.T) {
	var inFlight, most atomic.Int64
	var conns sync.Map
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conns.Store(r.RemoteAddr, true)
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(10 * time.Millisecond)
		inFlight.Add(-1)
		_, _ = w.Write([]byte(`{"instance":"i-0"}`))
	}))
	defer upstream.Close()
	code, results, stderr := runLoadCmd(t, upstream.URL+"/", "-n", "30", "-c", "3")
	if code != 0 || len(results) != 30 {
		t.Fatalf("load: exit %d, %d results, stderr %q", code, len(results), stderr)
	}
	if most.Load() > 3 || most.Load() < 2 {
		t.Errorf("-c 3: want at most 3 (and more than 1) requests in flight, saw %d", most.Load())
	}
	n := 0
	conns.Range(func(any, any) bool { n++; return true })
	if n > 3 {
		t.Errorf("keep-alive: 30 requests at -c 3 should use at most 3 connections, used %d", n)
	}
}

func TestLoadTakesTheInstanceFromTheHeaderThenTheJSONBody(t *testing.T) {
	for name, tc := range map[string]struct {
		header, body, want string
	}{
		"header wins over body": {"sidecar-1", `{"instance":"body-1"}`, "sidecar-1"},
		"body":                  {"", `{"instance":"body-1"}`, "body-1"},
		"neither":               {"", "upstream connect error", ""},
	} {
		t.Run(name, func(t *testing.T) {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("x-meshwright-instance", tc.header)
				}
				w.WriteHeader(503)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer upstream.Close()
			var out, errOut bytes.Buffer
			if code := run([]string{"load", upstream.URL, "-n", "2"}, noEnv, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var doc struct{ Results []map[string]any }
			_ = json.Unmarshal(out.Bytes(), &doc)
			for _, r := range doc.Results {
				got, present := r["instance"]
				if r["status"] != 503.0 || (tc.want == "" && present) || (tc.want != "" && got != tc.want) {
					t.Errorf("want status 503 and instance %q, got %v", tc.want, r)
				}
			}
		})
	}
}

func TestLoadReportsTheSidecarsEndpointStamp(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-meshwright-endpoint", "172.18.0.5:21000")
		_, _ = w.Write([]byte("plain text from some app"))
	}))
	defer upstream.Close()
	code, results, stderr := runLoadCmd(t, upstream.URL, "-n", "2")
	if code != 0 || len(results) != 2 {
		t.Fatalf("load: exit %d, %v, %q", code, results, stderr)
	}
	for _, r := range results {
		if r.Endpoint != "172.18.0.5:21000" || r.Instance != "" {
			t.Errorf("want endpoint 172.18.0.5:21000 and no instance, got %v", r)
		}
	}
}

func TestLoadSendsMethodBodyHeadersAndHost(t *testing.T) {
	type seen struct{ method, host, auth, ctype, body string }
	got := make(chan seen, 3)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Host, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)}
	}))
	defer upstream.Close()
	code, results, stderr := runLoadCmd(t, upstream.URL+"/orders", "-n", "3", "-c", "2", "-X", "put", "-d", `{"a":1}`, "-H", "Host: shop.local", "-H", "Authorization: Bearer t")
	if code != 0 || len(results) != 3 {
		t.Fatalf("load: exit %d, %v, %q", code, results, stderr)
	}
	for range 3 {
		want := seen{"PUT", "shop.local", "Bearer t", "application/json", `{"a":1}`}
		if s := <-got; s != want {
			t.Errorf("upstream saw %+v, want %+v", s, want)
		}
	}
}

func TestLoadReportsRequestsWithoutAnAnswerAsStatus0WithAnError(t *testing.T) {
	code, results, _ := runLoadCmd(t, "http://"+closedAddr(t)+"/", "-n", "3", "-c", "3")
	if code != 0 || len(results) != 3 {
		t.Fatalf("a failed batch still runs: exit %d, %v", code, results)
	}
	for _, r := range results {
		if r.Status != 0 || !strings.Contains(r.Error, "refused") {
			t.Errorf("refused: want status 0 and the error, got %+v", r)
		}
	}
	srv := newTestServer(t, nil)
	code, results, _ = runLoadCmd(t, srv.URL+"/slow", "-n", "2", "-H", "X-Fault-Delay-Ms: 3000", "--timeout-ms", "100")
	if code != 0 || len(results) != 2 {
		t.Fatalf("timeouts: exit %d, %v", code, results)
	}
	for _, r := range results {
		if r.Status != 0 || r.Error == "" || r.LatencyMs >= 3000 {
			t.Errorf("timeout: want status 0, an error and the request cut at 100 ms, got %+v", r)
		}
	}
}

func TestLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"http://127.0.0.1:1/"},                // no -n
		{"http://127.0.0.1:1/", "-n", "0"},     // too few
		{"http://127.0.0.1:1/", "-n", "20001"}, // over the bound
		{"http://127.0.0.1:1/", "-n", "5", "-c", "0"},
		{"http://127.0.0.1:1/", "-n", "x"},
		{"-n", "5"}, // no URL
		{"http://127.0.0.1:1/", "-n", "5", "--bogus"},
	} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"load"}, args...), noEnv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage: workload load") {
			t.Errorf("load %v: want exit 2 with usage, got %d %q", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"load", "--help"}, noEnv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "x-meshwright-instance") {
		t.Errorf("load --help: %d %q", code, out.String())
	}
}

// startServe runs the real serve() (both listeners, as in a container) on free
// loopback ports and returns the base URLs it logged for LISTEN_ADDR and ADMIN_ADDR.
func startServe(t *testing.T, env map[string]string) (listenURL, adminURL string) {
	t.Helper()
	base := map[string]string{"SERVICE_NAME": "payment-service", "INSTANCE_ID": "payment-service-1", "LISTEN_ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0"}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := loadConfig(nil, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, pw); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		var l struct{ Msg, Listen, Admin string }
		if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "listening" {
			go func() { _, _ = io.Copy(io.Discard, pr) }() // keep the logger unblocked
			return "http://" + l.Listen, "http://" + l.Admin
		}
	}
	t.Fatalf("serve never logged listening: %v", <-done)
	return "", ""
}

func TestAdminIsOnItsOwnListenerAndOnlyEchoesOnListenAddr(t *testing.T) {
	listen, admin := startServe(t, nil)
	if listen == admin {
		t.Fatalf("one listener for both: %s", listen)
	}
	// On LISTEN_ADDR, /admin/ paths are echo paths and change nothing, crash included.
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/admin/state", `{"healthy":false,"errorRate":1}`},
		{"POST", "/admin/crash", ""},
		{"POST", "/admin/load", `{"upstream":"x","count":1}`},
	} {
		code, body := do(t, c.method, listen+c.path, nil, c.body)
		if code != 200 || body["path"] != c.path || body["method"] != c.method || body["instance"] != "payment-service-1" {
			t.Errorf("%s %s on LISTEN_ADDR: want the echo, got %d %v", c.method, c.path, code, body)
		}
	}
	if code, body := do(t, "GET", admin+"/admin/state", nil, ""); code != 200 || body["healthy"] != true || body["errorRate"] != 0.0 {
		t.Fatalf("admin state changed through LISTEN_ADDR: %d %v", code, body)
	}
	if code, _ := do(t, "GET", listen+"/health", nil, ""); code != 200 {
		t.Fatalf("/health: %d", code)
	}
	// On ADMIN_ADDR, the same request takes effect.
	if code, body := do(t, "PUT", admin+"/admin/state", nil, `{"healthy":false}`); code != 200 || body["healthy"] != false {
		t.Fatalf("PUT /admin/state on ADMIN_ADDR: %d %v", code, body)
	}
	if code, _ := do(t, "GET", listen+"/health", nil, ""); code != 503 {
		t.Errorf("unhealthy via ADMIN_ADDR should show on LISTEN_ADDR's /health, got %d", code)
	}
	// The admin listener serves the admin API only; /admin/load is gone.
	for _, path := range []string{"/admin/load", "/health", "/x"} {
		if code, body := do(t, "POST", admin+path, nil, "{}"); code != 404 || body["endpoints"] == nil {
			t.Errorf("POST %s on ADMIN_ADDR: want 404 naming the endpoints, got %d %v", path, code, body)
		}
	}
}

func TestAdminAddrDefaultsToLoopbackAndRefusesAnythingElse(t *testing.T) {
	env := map[string]string{"SERVICE_NAME": "s"}
	getenv := func(k string) string { return env[k] }
	cfg, err := loadConfig(nil, getenv)
	if err != nil || cfg.AdminAddr != "127.0.0.1:19100" {
		t.Fatalf("default ADMIN_ADDR: %q %v", cfg.AdminAddr, err)
	}
	for _, ok := range []string{"127.0.0.1:19100", "127.0.0.2:1", "[::1]:19100", "localhost:19100"} {
		env["ADMIN_ADDR"] = ok
		if _, err := loadConfig(nil, getenv); err != nil {
			t.Errorf("ADMIN_ADDR %s is loopback: %v", ok, err)
		}
	}
	for _, bad := range []string{"0.0.0.0:19100", ":19100", "[::]:19100", "10.1.2.3:19100", "payment-service:19100", "127.0.0.1", "127.0.0.1:x"} {
		env["ADMIN_ADDR"] = bad
		if _, err := loadConfig(nil, getenv); err == nil || !strings.Contains(err.Error(), "ADMIN_ADDR") {
			t.Errorf("ADMIN_ADDR %s must be refused naming ADMIN_ADDR, got %v", bad, err)
		}
	}
	delete(env, "ADMIN_ADDR")
	if _, err := loadConfig([]string{"--admin-addr", "0.0.0.0:19100"}, getenv); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("--admin-addr 0.0.0.0:19100 must be refused as not loopback, got %v", err)
	}
	if _, err := loadConfig([]string{"--listen-addr", "0.0.0.0:19100", "--admin-addr", "127.0.0.1:19100"}, getenv); err == nil {
		t.Error("ADMIN_ADDR on LISTEN_ADDR's port must be refused")
	}
	// serve refuses before binding anything, with a clear message and a usage exit code.
	var out, errOut bytes.Buffer
	code := run([]string{"serve"}, func(k string) string { return map[string]string{"SERVICE_NAME": "s", "ADMIN_ADDR": "0.0.0.0:19100"}[k] }, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "loopback") {
		t.Errorf("serve with a non-loopback ADMIN_ADDR: want exit 2 explaining loopback, got %d %q", code, errOut.String())
	}
}

func TestCtlTalksToTheAdminAddr(t *testing.T) {
	srv, admin := newTestServers(t, nil)
	adminAddr := strings.TrimPrefix(admin.URL, "http://")
	var out, errOut bytes.Buffer
	env := func(k string) string {
		return map[string]string{"ADMIN_ADDR": adminAddr, "LISTEN_ADDR": strings.TrimPrefix(srv.URL, "http://")}[k]
	}
	if code := run([]string{"ctl", "PUT", "/admin/state", `{"latencyMs":5}`}, env, &out, &errOut); code != 0 || !strings.Contains(out.String(), `"latencyMs":5`) || !strings.Contains(errOut.String(), "status: 200") {
		t.Fatalf("ctl via ADMIN_ADDR: %d %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"ctl", "--admin-addr", adminAddr, "POST", "admin/reset"}, noEnv, &out, &errOut); code != 0 || !strings.Contains(out.String(), `"latencyMs":0`) {
		t.Fatalf("ctl --admin-addr: %d %q", code, out.String())
	}
	if code := run([]string{"ctl", "--listen-addr", adminAddr, "GET", "/admin/state"}, noEnv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--admin-addr") {
		t.Errorf("ctl --listen-addr should point at --admin-addr: %d %q", code, errOut.String())
	}
	out.Reset()
	if code := run([]string{"ctl", "--help"}, noEnv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "ADMIN_ADDR") {
		t.Errorf("ctl --help: %d %q", code, out.String())
	}
}

// TestMain lets a test run the real binary as a child process: with
// WORKLOAD_TEST_RUN_MAIN=1 the test binary is `workload` with the given args.
func TestMain(m *testing.M) {
	if os.Getenv("WORKLOAD_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// startWorkloadProcess starts `workload args...` as a process and returns it
// once it printed its first stdout line (that line is returned).
func startWorkloadProcess(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// GORACE: under -race the runtime otherwise sleeps 1 s at exit.
	cmd.Env = append(os.Environ(), "WORKLOAD_TEST_RUN_MAIN=1", "GORACE=atexit_sleep_ms=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("workload %v printed nothing: %v", args, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, line
}

func TestProbeIdlesWithoutAListenerAndExits0OnSIGTERMOrSIGINT(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs POSIX signals")
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, first := startWorkloadProcess(t, "probe")
			if !strings.Contains(first, "probe idle") {
				t.Fatalf("first line: %q", first)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				t.Fatalf("probe exited without a signal: %v", err)
			case <-time.After(200 * time.Millisecond):
			}
			if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid)); err == nil {
				for _, fd := range fds {
					if target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, fd.Name())); strings.HasPrefix(target, "socket:") {
						t.Errorf("probe holds a socket (fd %s): it must open no listener", fd.Name())
					}
				}
			}
			start := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("probe on %v: want exit 0, got %v", sig, err)
				}
				if d := time.Since(start); d > 2*time.Second { // docker stop waits 10 s
					t.Errorf("probe took %v to exit", d)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("probe did not exit within 5 s of %v", sig)
			}
		})
	}
}

func TestDialExitCodes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errOut bytes.Buffer
	if code := run([]string{"dial", ln.Addr().String()}, noEnv, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "connected: ") {
		t.Errorf("an open port exits 0, got %d %q", code, errOut.String())
	}
	if code := run([]string{"dial", "--timeout-ms", "2000", closedAddr(t)}, noEnv, &out, &errOut); code != 7 {
		t.Errorf("a refused connection exits 7, got %d", code)
	}
	for _, args := range [][]string{{}, {"127.0.0.1"}, {"http://127.0.0.1:80/"}, {"127.0.0.1:1", "--timeout-ms", "-1"}, {"127.0.0.1:1", "-x"}} {
		errOut.Reset()
		if code := run(append([]string{"dial"}, args...), noEnv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage: workload dial") {
			t.Errorf("dial %v: want exit 2 with usage, got %d %q", args, code, errOut.String())
		}
	}
	out.Reset()
	if code := run([]string{"dial", "--help"}, noEnv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "28 timeout") {
		t.Errorf("dial --help: %d %q", code, out.String())
	}
}

func TestCallForwardsTraceHeadersFromTheInboundRequest(t *testing.T) {
	got := make(chan http.Header, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		_, _ = w.Write([]byte(`{}`))
	}))
	defer upstream.Close()
	callWith := func(env map[string]string, headers map[string]string) http.Header {
		t.Helper()
		env["SERVICE_NAME"] = "web"
		env["UPSTREAMS"] = "ledger=" + strings.TrimPrefix(upstream.URL, "http://")
		cfg, err := loadConfig(nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(NewServer(cfg, io.Discard))
		defer srv.Close()
		if code, body := do(t, "GET", srv.URL+"/call/ledger/x", headers, ""); code != 200 {
			t.Fatalf("call: %d %v", code, body)
		}
		return <-got
	}

	trace := map[string]string{
		"traceparent":       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"tracestate":        "congo=t61rcWkgMzE",
		"x-request-id":      "7d1a5c7e-2f0b-4b53-9d1e-3a1c2b4d5e6f",
		"x-b3-traceid":      "80f198ee56343ba864fe8b2a57d3eff7",
		"x-b3-spanid":       "e457b5a2e4d86bd1",
		"x-b3-parentspanid": "05e3ac9a4f6e3b90",
		"x-b3-sampled":      "1",
		"x-b3-flags":        "1",
		"b3":                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
	}
	h := callWith(map[string]string{}, trace)
	for k, v := range trace {
		if h.Get(k) != v {
			t.Errorf("default TRACE_HEADERS: %s arrived as %q, want %q", k, h.Get(k), v)
		}
	}
	h = callWith(map[string]string{"TRACE_HEADERS": "X-Custom-Trace"}, map[string]string{"x-custom-trace": "abc"})
	if h.Get("X-Custom-Trace") != "abc" {
		t.Errorf("TRACE_HEADERS=X-Custom-Trace: header arrived as %q", h.Get("X-Custom-Trace"))
	}
}

func TestTraceHeadersAreCopiedWhateverTheGeneralForwardingDoes(t *testing.T) {
	in := http.Header{}
	in.Add("Traceparent", "tp")
	in.Add("B3", "one")
	in.Add("B3", "two")
	in.Set("X-Request-Id", "inbound")
	in.Set("X-Other", "not trace")
	out := http.Header{}
	out.Set("X-Request-Id", "from x-upstream-x-request-id")
	copyTraceHeaders(out, in, []string{"traceparent", "b3", "x-request-id"})
	if out.Get("Traceparent") != "tp" || strings.Join(out.Values("B3"), ",") != "one,two" {
		t.Errorf("trace headers not copied onto an empty request: %v", out)
	}
	if out.Get("X-Other") != "" {
		t.Errorf("only the named headers are copied: %v", out)
	}
	if v := out.Values("X-Request-Id"); len(v) != 1 || v[0] != "from x-upstream-x-request-id" {
		t.Errorf("a header the caller set for the callee is kept, not doubled: %v", v)
	}
}

func TestTraceHeadersConfig(t *testing.T) {
	env := map[string]string{"SERVICE_NAME": "s"}
	getenv := func(k string) string { return env[k] }
	cfg, err := loadConfig(nil, getenv)
	if err != nil || strings.Join(cfg.TraceHeaders, ",") != "traceparent,tracestate,x-request-id,x-b3-traceid,x-b3-spanid,x-b3-parentspanid,x-b3-sampled,x-b3-flags,b3" {
		t.Fatalf("default TRACE_HEADERS: %v %v", cfg.TraceHeaders, err)
	}
	env["TRACE_HEADERS"] = " TraceParent, X-B3-TraceId ,traceparent,"
	if cfg, err = loadConfig(nil, getenv); err != nil || strings.Join(cfg.TraceHeaders, ",") != "traceparent,x-b3-traceid" {
		t.Errorf("TRACE_HEADERS is comma-separated and case-insensitive: %v %v", cfg.TraceHeaders, err)
	}
	if cfg, err = loadConfig([]string{"--trace-headers", "x-cloud-trace-context"}, getenv); err != nil || strings.Join(cfg.TraceHeaders, ",") != "x-cloud-trace-context" {
		t.Errorf("--trace-headers: %v %v", cfg.TraceHeaders, err)
	}
	for _, bad := range []string{"connection", "x-fault-status", "X-Call-Timeout-Ms", "trace parent", "host"} {
		env["TRACE_HEADERS"] = bad
		if _, err := loadConfig(nil, getenv); err == nil || !strings.Contains(err.Error(), "TRACE_HEADERS") {
			t.Errorf("TRACE_HEADERS=%s must be refused naming TRACE_HEADERS, got %v", bad, err)
		}
	}
}

func TestHelpDescribesEverySubcommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"workload get", "--headers", "workload load", "workload dial", "workload probe", "workload ctl", "ADMIN_ADDR", "TRACE_HEADERS", "LISTEN_ADDR"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	for _, sub := range []string{"get", "load", "dial", "ctl", "probe"} {
		out.Reset()
		if code := run([]string{sub, "--help"}, noEnv, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "usage: workload "+sub) {
			t.Errorf("%s --help: exit %d, %q", sub, code, out.String())
		}
	}
}

func TestEchoReportsTheTraceContextThatReachedTheApp(t *testing.T) {
	cfg, err := loadConfig(nil, func(k string) string { return map[string]string{"SERVICE_NAME": "web"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(cfg, io.Discard))
	defer srv.Close()
	res, err := http.DefaultClient.Do(func() *http.Request {
		r, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		r.Header.Set("X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7")
		r.Header.Set("X-B3-Sampled", "0")
		r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		r.Header.Set("X-Request-Id", "abc")
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Headers struct {
			Trace map[string]string `json:"trace"`
		} `json:"headers"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-sampled": "0", "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	if fmt.Sprint(body.Headers.Trace) != fmt.Sprint(want) {
		t.Errorf("trace = %v, want %v (x-request-id has its own field)", body.Headers.Trace, want)
	}
}

func TestEchoReportsCustomXHeadersButNotTheOnesOtherFieldsOrFaultsCover(t *testing.T) {
	srv := newTestServer(t, nil)
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	req.Header.Add("X-Route", "rewritten")
	req.Header.Add("X-Added", "one")
	req.Header.Add("X-Added", "two")
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	req.Header.Set("X-Envoy-Internal", "true")
	req.Header.Set("X-Fault-Delay-Ms", "0")
	req.Header.Set("X-Request-Id", "abc")
	req.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	req.Header.Set("Cookie", "session=secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Headers struct {
			Custom map[string]string `json:"custom"`
		} `json:"headers"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"x-route": "rewritten", "x-added": "one, two"}
	if mustJSON(body.Headers.Custom) != mustJSON(want) {
		t.Errorf("custom headers: got %v, want %v", body.Headers.Custom, want)
	}
}
