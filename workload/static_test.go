package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// staticSite writes a small single-page app into <tmp>/site and a secret next
// to it (<tmp>/secret.txt) that no request may reach. It returns the site folder.
func staticSite(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	site := filepath.Join(tmp, "site")
	files := map[string]string{
		"index.html":      "<!doctype html><title>shop</title><script src=app.js></script>",
		"app.js":          "console.log('shop app');",
		"config.json":     `{"api":"/call/orders/"}`,
		"style.css":       "body { margin: 0 }",
		"docs/index.html": "<p>docs</p>",
		"assets/logo.txt": "logo",
		"health":          "a file named like an endpoint",
	}
	for name, body := range files {
		p := filepath.Join(site, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "secret.txt"), []byte("TOP-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	return site
}

// newStaticTestServer starts the workload's LISTEN_ADDR handler with STATIC_DIR set to dir.
func newStaticTestServer(t *testing.T, dir string, upstreams map[string]string) *httptest.Server {
	t.Helper()
	cfg := Config{ServiceName: "shop-web", InstanceID: "shop-web-1", Version: "v1", Upstreams: upstreams, MetricsPath: "/metrics", StaticDir: dir}
	srv := httptest.NewServer(NewServer(cfg, io.Discard))
	t.Cleanup(srv.Close)
	return srv
}

// get sends method to url without following redirects and returns the response and its body.
func get(t *testing.T, method, url string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// rawGet sends the request target exactly as written (no client-side cleaning
// or escaping), as an attacker would.
func rawGet(t *testing.T, hostport, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", hostport)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n", target)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func wantStaticHeaders(t *testing.T, what string, res *http.Response) {
	t.Helper()
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, got)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	if got := res.Header.Get("X-Meshwright-Instance"); got != "shop-web-1" {
		t.Errorf("%s: X-Meshwright-Instance %q, want shop-web-1", what, got)
	}
}

func TestStaticDirServesIndexHTMLAtTheRoot(t *testing.T) {
	srv := newStaticTestServer(t, staticSite(t), nil)
	res, body := get(t, "GET", srv.URL+"/", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "<title>shop</title>") {
		t.Fatalf("GET /: want index.html, got %d %q", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	wantStaticHeaders(t, "GET /", res)
	// HEAD answers the same headers without a body.
	res, body = get(t, "HEAD", srv.URL+"/", nil)
	if res.StatusCode != 200 || body != "" || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD /: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	wantStaticHeaders(t, "HEAD /", res)
	// A sub-folder's index.html, as http.FileServer serves it.
	if res, body := get(t, "GET", srv.URL+"/docs/", nil); res.StatusCode != 200 || body != "<p>docs</p>" {
		t.Errorf("GET /docs/: %d %q", res.StatusCode, body)
	}
}

func TestStaticDirServesEachFileWithItsContentType(t *testing.T) {
	srv := newStaticTestServer(t, staticSite(t), nil)
	for path, want := range map[string]string{
		"/app.js":      "text/javascript; charset=utf-8",
		"/config.json": "application/json",
		"/style.css":   "text/css; charset=utf-8",
	} {
		res, body := get(t, "GET", srv.URL+path, nil)
		if res.StatusCode != 200 || body == "" {
			t.Errorf("GET %s: %d %q", path, res.StatusCode, body)
		}
		if ct := res.Header.Get("Content-Type"); ct != want {
			t.Errorf("GET %s: Content-Type %q, want %q", path, ct, want)
		}
		wantStaticHeaders(t, "GET "+path, res)
	}
	if res, body := get(t, "GET", srv.URL+"/app.js", nil); body != "console.log('shop app');" {
		t.Errorf("GET /app.js: %d %q", res.StatusCode, body)
	}
}

func TestStaticDirAnswers404ForAMissingFileAndNeverListsAFolder(t *testing.T) {
	srv := newStaticTestServer(t, staticSite(t), nil)
	for _, path := range []string{"/nope.js", "/docs/nope.html", "/assets/", "/assets", "/pay?x=1"} {
		res, body := get(t, "GET", srv.URL+path, nil)
		if res.StatusCode != 404 {
			t.Errorf("GET %s: want 404, got %d %q", path, res.StatusCode, body)
		}
		if strings.Contains(body, "logo.txt") || strings.Contains(body, "\"service\"") {
			t.Errorf("GET %s: a listing or an echo leaked: %q", path, body)
		}
		wantStaticHeaders(t, "GET "+path, res)
	}
}

func TestStaticDirRequestsCannotLeaveTheFolder(t *testing.T) {
	srv := newStaticTestServer(t, staticSite(t), nil)
	hostport := strings.TrimPrefix(srv.URL, "http://")
	for _, target := range []string{
		"/../secret.txt",
		"/../../secret.txt",
		"/docs/../../secret.txt",
		"/%2e%2e/secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"/..\\secret.txt",
		"/docs/..%5c..%5csecret.txt",
		"//secret.txt",
	} {
		code, body := rawGet(t, hostport, target)
		if code != 404 && code != 400 {
			t.Errorf("GET %s: want 404 or 400, got %d %q", target, code, body)
		}
		if strings.Contains(body, "TOP-SECRET") {
			t.Errorf("GET %s: read a file outside STATIC_DIR: %q", target, body)
		}
	}
	// A path that climbs and comes back down stays inside: the same file as /app.js.
	if code, body := rawGet(t, hostport, "/../app.js"); code != 200 || body != "console.log('shop app');" {
		t.Errorf("GET /../app.js: want /app.js, got %d %q", code, body)
	}
}

func TestStaticDirKeepsTheOwnEndpoints(t *testing.T) {
	var upstreamPath string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamPath = r.URL.Path
		_, _ = w.Write([]byte(`{"service":"orders"}`))
	}))
	defer upstream.Close()
	listen, admin := startServe(t, map[string]string{
		"STATIC_DIR": staticSite(t),
		"UPSTREAMS":  "orders=" + strings.TrimPrefix(upstream.URL, "http://"),
	})
	// /health is the endpoint, though the folder has a file named health.
	if code, body := do(t, "GET", listen+"/health", nil, ""); code != 200 || body["status"] != "ok" {
		t.Errorf("GET /health: %d %v", code, body)
	}
	if res, body := get(t, "GET", listen+"/metrics", nil); res.StatusCode != 200 || !strings.Contains(body, "workload_requests_total") {
		t.Errorf("GET /metrics: %d %q", res.StatusCode, body)
	}
	if code, body := do(t, "GET", listen+"/call/orders/list", nil, ""); code != 200 || body["upstream"] != "orders" || upstreamPath != "/list" {
		t.Errorf("GET /call/orders/list: %d %v (upstream saw %q)", code, body, upstreamPath)
	}
	// Other methods still echo, on "/" too.
	if code, body := do(t, "POST", listen+"/", nil, "{}"); code != 200 || body["path"] != "/" || body["method"] != "POST" {
		t.Errorf("POST /: want the echo, got %d %v", code, body)
	}
	// Fault headers apply to files as to any path.
	if code, body := do(t, "GET", listen+"/app.js", map[string]string{"X-Fault-Status": "503"}, ""); code != 503 || body["fault"] != "x-fault-status" {
		t.Errorf("GET /app.js with x-fault-status: %d %v", code, body)
	}
	// The admin API is untouched on ADMIN_ADDR, and its state reaches LISTEN_ADDR's /health.
	if code, body := do(t, "PUT", admin+"/admin/state", nil, `{"healthy":false}`); code != 200 || body["healthy"] != false {
		t.Fatalf("PUT /admin/state on ADMIN_ADDR: %d %v", code, body)
	}
	if code, _ := do(t, "GET", listen+"/health", nil, ""); code != 503 {
		t.Errorf("GET /health after healthy=false: %d, want 503", code)
	}
	if res, body := get(t, "GET", listen+"/", nil); res.StatusCode != 200 || !strings.Contains(body, "<title>shop</title>") {
		t.Errorf("GET /: %d %q", res.StatusCode, body)
	}
}

func TestWithoutStaticDirEveryOtherPathStillEchoes(t *testing.T) {
	cfg, err := loadConfig(nil, func(k string) string { return map[string]string{"SERVICE_NAME": "s"}[k] })
	if err != nil || cfg.StaticDir != "" {
		t.Fatalf("STATIC_DIR unset: %q %v", cfg.StaticDir, err)
	}
	srv := newTestServer(t, nil)
	for _, path := range []string{"/", "/index.html", "/app.js"} {
		res, raw := get(t, "GET", srv.URL+path, nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || !strings.Contains(raw, `"path":"`+path+`"`) {
			t.Errorf("GET %s without STATIC_DIR: want the echo, got %d %q", path, res.StatusCode, raw)
		}
		if res.Header.Get("Cache-Control") != "" {
			t.Errorf("GET %s without STATIC_DIR: Cache-Control %q", path, res.Header.Get("Cache-Control"))
		}
	}
}

func TestStaticDirMustBeAnExistingFolder(t *testing.T) {
	site := staticSite(t)
	for _, c := range []struct{ dir, want string }{
		{filepath.Join(site, "missing"), "no such folder"},
		{filepath.Join(site, "app.js"), "not a folder"},
	} {
		var out, errOut bytes.Buffer
		getenv := func(k string) string { return map[string]string{"SERVICE_NAME": "s", "STATIC_DIR": c.dir}[k] }
		code := run([]string{"serve"}, getenv, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), "STATIC_DIR") || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("STATIC_DIR=%s: want exit 2 saying %q, got %d %q", c.dir, c.want, code, errOut.String())
		}
	}
	// The flag works as the env var, and a relative folder is made absolute.
	back, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(filepath.Dir(site)); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.Chdir(back) }()
	wd, _ := os.Getwd()
	cfg, err := loadConfig([]string{"--static-dir", "site"}, func(k string) string { return map[string]string{"SERVICE_NAME": "s"}[k] })
	if want := filepath.Join(wd, "site"); err != nil || cfg.StaticDir != want {
		t.Errorf("--static-dir site: %q %v, want %q", cfg.StaticDir, err, want)
	}
}
