package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
)

// defaultAdminAddr is where /admin/* listens unless ADMIN_ADDR says otherwise.
const defaultAdminAddr = "127.0.0.1:19100"

// defaultTraceHeaders is what Envoy and Zipkin use: W3C trace context, Envoy's
// request id, and B3 in its multi- and single-header forms.
const defaultTraceHeaders = "traceparent,tracestate,x-request-id,x-b3-traceid,x-b3-spanid,x-b3-parentspanid,x-b3-sampled,x-b3-flags,b3"

// Config is the whole runtime configuration. It comes from env vars so one
// image serves every service in a mesh; flags of the same meaning override
// them for local runs.
type Config struct {
	ServiceName string
	InstanceID  string
	Version     string
	ListenAddr  string
	AdminAddr   string            // loopback only: the admin API is never on the port the mesh serves
	Upstreams   map[string]string // upstream name -> sidecar local listener host:port
	MetricsPath string
	// TraceHeaders are copied from each inbound request onto the /call/ it causes
	// (lower-case names), so a trace continues across the hop.
	TraceHeaders []string
	// StaticDir, when set (an absolute path to an existing folder), serves GET and
	// HEAD requests on every path that is not a built-in endpoint from its files
	// instead of the echo (see static.go).
	StaticDir string
}

// UpstreamNames returns the configured names sorted, so error messages and
// logs are stable.
func (c Config) UpstreamNames() []string {
	names := make([]string, 0, len(c.Upstreams))
	for n := range c.Upstreams {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// loadConfig reads env via getenv, then lets flags in args override it.
// It returns flag.ErrHelp for -h/--help so the caller prints usage.
func loadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("workload", flag.ContinueOnError)
	// We print our own usage text; keep the flag package quiet.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}

	defHost, err := os.Hostname()
	if err != nil || defHost == "" {
		defHost = "unknown"
	}
	service := fs.String("service-name", getenv("SERVICE_NAME"), "")
	instance := fs.String("instance-id", envOr(getenv, "INSTANCE_ID", defHost), "")
	version := fs.String("version", envOr(getenv, "VERSION", "v1"), "")
	listen := fs.String("listen-addr", envOr(getenv, "LISTEN_ADDR", "127.0.0.1:8080"), "")
	admin := fs.String("admin-addr", envOr(getenv, "ADMIN_ADDR", defaultAdminAddr), "")
	upstreams := fs.String("upstreams", getenv("UPSTREAMS"), "")
	metricsPath := fs.String("metrics-path", envOr(getenv, "METRICS_PATH", "/metrics"), "")
	traceHeaders := fs.String("trace-headers", envOr(getenv, "TRACE_HEADERS", defaultTraceHeaders), "")
	staticDir := fs.String("static-dir", getenv("STATIC_DIR"), "")

	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := Config{
		ServiceName: strings.TrimSpace(*service),
		InstanceID:  strings.TrimSpace(*instance),
		Version:     strings.TrimSpace(*version),
		ListenAddr:  strings.TrimSpace(*listen),
		AdminAddr:   strings.TrimSpace(*admin),
		MetricsPath: strings.TrimSpace(*metricsPath),
	}
	if cfg.ServiceName == "" {
		return Config{}, fmt.Errorf("SERVICE_NAME (or --service-name) is required")
	}
	if _, _, err := net.SplitHostPort(cfg.ListenAddr); err != nil {
		return Config{}, fmt.Errorf("LISTEN_ADDR %q: %v", cfg.ListenAddr, err)
	}
	if err := checkLoopback(cfg.AdminAddr); err != nil {
		return Config{}, err
	}
	if sameListener(cfg.ListenAddr, cfg.AdminAddr) {
		return Config{}, fmt.Errorf("ADMIN_ADDR %q must not be LISTEN_ADDR's port: the admin API stays off the port the mesh serves", cfg.AdminAddr)
	}
	if !strings.HasPrefix(cfg.MetricsPath, "/") || isReservedPath(cfg.MetricsPath) {
		return Config{}, fmt.Errorf("METRICS_PATH %q must start with / and not clash with /health or /call/", cfg.MetricsPath)
	}
	if cfg.Upstreams, err = parseUpstreams(*upstreams); err != nil {
		return Config{}, err
	}
	if cfg.TraceHeaders, err = parseTraceHeaders(*traceHeaders); err != nil {
		return Config{}, err
	}
	if dir := strings.TrimSpace(*staticDir); dir != "" {
		if cfg.StaticDir, err = checkStaticDir(dir); err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

// parseUpstreams parses "name=host:port,name2=host:port". Strict, because a
// typo here would otherwise surface much later as a confusing 404 or 502.
func parseUpstreams(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, addr, ok := strings.Cut(item, "=")
		name, addr = strings.TrimSpace(name), strings.TrimSpace(addr)
		if !ok || name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("UPSTREAMS entry %q: want name=host:port", item)
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return nil, fmt.Errorf("UPSTREAMS entry %q: address %q is not host:port", item, addr)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("UPSTREAMS: upstream %q listed twice", name)
		}
		out[name] = addr
	}
	return out, nil
}

// parseTraceHeaders parses "name,name2" case-insensitively. A name /call/
// deliberately never forwards (hop-by-hop, or this hop's own fault and timeout
// headers) is refused rather than forwarded behind that rule's back.
func parseTraceHeaders(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(item))
		switch {
		case name == "" || seen[name]:
			continue
		case !isHeaderName(name):
			return nil, fmt.Errorf("TRACE_HEADERS entry %q is not a header name", item)
		case notForwarded(name):
			return nil, fmt.Errorf("TRACE_HEADERS entry %q: /call/ never forwards that header (hop-by-hop, x-fault-* or x-call-timeout-ms)", item)
		}
		seen[name] = true
		out = append(out, name)
	}
	return out, nil
}

// isHeaderName reports whether s is an RFC 9110 token.
func isHeaderName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return s != ""
}

func envOr(getenv func(string) string, key, def string) string {
	if v := strings.TrimSpace(getenv(key)); v != "" {
		return v
	}
	return def
}

// checkLoopback accepts only host:port on a loopback host (127.0.0.0/8, ::1 or
// localhost), so the admin API, which can break or kill the instance, is only
// reachable from inside the instance's own network namespace (the app and the
// harness's probe container), never from the mesh network.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("ADMIN_ADDR %q: %v", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("ADMIN_ADDR %q: port %q is not a number 0..65535", addr, port)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	what := fmt.Sprintf("%q is not", host)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		what = fmt.Sprintf("%q means every interface, not", host)
	}
	return fmt.Errorf("ADMIN_ADDR %q must be a loopback address (127.0.0.1, ::1 or localhost) so only this instance's network namespace reaches the admin API: %s a loopback address", addr, what)
}

// sameListener reports whether the two addresses would claim the same port on
// the same interface (the bind would fail with a less helpful error).
func sameListener(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || wildcard(ha) || wildcard(hb)
}

// isReservedPath reports whether the path belongs to a built-in endpoint
// rather than the echo (or STATIC_DIR) catch-all. /admin/ is not one: on
// LISTEN_ADDR it is an ordinary path.
func isReservedPath(p string) bool {
	return p == "/health" || p == "/call" || strings.HasPrefix(p, "/call/")
}
