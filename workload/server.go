package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// drainTimeout bounds graceful shutdown: long enough for normal in-flight
// requests, short enough to stay under Docker's default 10 s stop timeout.
const drainTimeout = 5 * time.Second

// statusClientClosed is logged when the caller went away mid-delay
// (nginx's convention), so such requests are visible in logs and metrics.
const statusClientClosed = 499

// Server is the whole app: ServeHTTP is what the mesh reaches on LISTEN_ADDR,
// AdminHandler the admin API on the loopback-only ADMIN_ADDR.
type Server struct {
	cfg     Config
	state   *StateStore
	metrics *Metrics
	log     *lineLogger
	client  *http.Client // outgoing /call/ requests
	static  http.Handler // STATIC_DIR's files; nil when it is unset
}

func NewServer(cfg Config, logOut io.Writer) *Server {
	s := &Server{cfg: cfg, state: NewStateStore(), log: &lineLogger{w: logOut}, client: newCallClient()}
	if cfg.StaticDir != "" {
		s.static = newStaticHandler(cfg.StaticDir)
	}
	s.metrics = NewMetrics(cfg.ServiceName, cfg.InstanceID, func() bool { return s.state.Get().Healthy })
	return s
}

// ServeHTTP wraps routing with what every request gets: the instance header,
// in-flight tracking, the request counter/histogram and one log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inFlight.Add(1)
	defer s.metrics.inFlight.Add(-1)

	// Lets a test tell which instance answered even for fault or HEAD responses.
	w.Header().Set("X-Meshwright-Instance", s.cfg.InstanceID)
	sw := &statusWriter{ResponseWriter: w}
	s.route(sw, r)

	elapsed := time.Since(start)
	code := strconv.Itoa(sw.status())
	if sw.aborted {
		code = "aborted"
	}
	s.metrics.ObserveRequest(r.Method, code, elapsed)
	s.log.request(r.Method, r.URL.RequestURI(), sw.status(), sw.aborted, elapsed)
}

// AdminHandler serves /admin/* for ADMIN_ADDR. Admin requests skip every fault
// and the request metrics (they are not traffic the mesh served), but are logged.
func (s *Server) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("X-Meshwright-Instance", s.cfg.InstanceID)
		sw := &statusWriter{ResponseWriter: w}
		s.handleAdmin(sw, r)
		s.log.admin(r.Method, r.URL.RequestURI(), sw.status(), time.Since(start))
	})
}

// route sends every request through the fault pipeline first. /admin/ paths
// are not special here: the admin API is on its own listener. The built-in
// endpoints always win; with STATIC_DIR set, GET and HEAD on any other path
// are its files (index.html at "/") and other methods still echo.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	faults, err := parseFaults(r.Header)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, s.errorBody(err.Error()))
		return
	}
	var h http.HandlerFunc
	applyState := false // errorRate/latencyMs never touch health or metrics
	switch {
	case p == "/health":
		h = s.handleHealth
	case p == s.cfg.MetricsPath:
		h = s.handleMetrics
	case p == "/call" || strings.HasPrefix(p, "/call/"):
		h, applyState = s.handleCall, true
	case s.static != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		h, applyState = s.static.ServeHTTP, true
	default:
		h, applyState = s.handleEcho, true
	}
	if s.applyFaults(w, r, faults, applyState) {
		h(w, r)
	}
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		s.metrics.WriteText(w)
	}
}

// errorBody names the instance in every error so a test reading a failure
// through Envoy knows which replica produced it.
func (s *Server) errorBody(msg string) map[string]any {
	return map[string]any{"service": s.cfg.ServiceName, "instance": s.cfg.InstanceID, "error": msg}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// allowMethods answers 405 (with Allow) unless r uses one of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, map[string]any{
		"error": fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(methods, " or ")),
	})
	return false
}

// statusWriter remembers the status for logs/metrics and whether the
// connection was hijacked for an abort fault.
type statusWriter struct {
	http.ResponseWriter
	code    int
	aborted bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) status() int {
	if w.aborted {
		return 0
	}
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.aborted = true
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach Flush etc. on the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// lineLogger writes one JSON object per line to stdout; the mutex keeps
// concurrent lines from interleaving.
type lineLogger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineLogger) line(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(append(b, '\n'))
}

func (l *lineLogger) request(method, path string, status int, aborted bool, d time.Duration) {
	l.line(struct {
		Time    string  `json:"time"`
		Method  string  `json:"method"`
		Path    string  `json:"path"`
		Status  int     `json:"status"`
		Ms      float64 `json:"ms"`
		Aborted bool    `json:"aborted,omitempty"`
	}{nowRFC3339(), method, path, status, millis(d), aborted})
}

func (l *lineLogger) admin(method, path string, status int, d time.Duration) {
	l.line(struct {
		Time   string  `json:"time"`
		Admin  bool    `json:"admin"`
		Method string  `json:"method"`
		Path   string  `json:"path"`
		Status int     `json:"status"`
		Ms     float64 `json:"ms"`
	}{nowRFC3339(), true, method, path, status, millis(d)})
}

func (l *lineLogger) event(msg string) {
	l.line(struct {
		Time string `json:"time"`
		Msg  string `json:"msg"`
	}{nowRFC3339(), msg})
}

func nowRFC3339() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// millis rounds to microseconds: enough precision, short log lines.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// serve listens on cfg.ListenAddr and cfg.AdminAddr until ctx is cancelled (SIGTERM/SIGINT).
func serve(ctx context.Context, cfg Config, logOut io.Writer) error {
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	adminLn, err := listenLoopback(cfg.AdminAddr)
	if err != nil {
		ln.Close()
		return err
	}
	return serveListeners(ctx, ln, adminLn, NewServer(cfg, logOut))
}

// listenLoopback listens on addr and checks the address it got, too: a
// "localhost" that resolves to something else must not expose the admin API.
func listenLoopback(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ADMIN_ADDR: %w", err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("ADMIN_ADDR %q listened on %s, which is not a loopback address", addr, ln.Addr())
	}
	return ln, nil
}

// serveListeners serves s on ln and its admin API on adminLn, then drains
// in-flight requests for up to drainTimeout once ctx is done, so a rolling
// restart or failover test sees in-flight calls finish instead of resets.
func serveListeners(ctx context.Context, ln, adminLn net.Listener, s *Server) error {
	servers := []*http.Server{
		{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second},
	}
	s.log.line(struct {
		Time      string            `json:"time"`
		Msg       string            `json:"msg"`
		Service   string            `json:"service"`
		Instance  string            `json:"instance"`
		Version   string            `json:"version"`
		Listen    string            `json:"listen"`
		Admin     string            `json:"admin"`
		Upstreams map[string]string `json:"upstreams"`
		StaticDir string            `json:"staticDir,omitempty"`
	}{nowRFC3339(), "listening", s.cfg.ServiceName, s.cfg.InstanceID, s.cfg.Version, ln.Addr().String(), adminLn.Addr().String(), s.cfg.Upstreams, s.cfg.StaticDir})
	errc := make(chan error, len(servers))
	for i, l := range []net.Listener{ln, adminLn} {
		go func() { errc <- servers[i].Serve(l) }()
	}
	var failed error
	running := len(servers)
	select {
	case failed = <-errc: // a listener broke: stop the other one too
		running--
	case <-ctx.Done():
		s.log.event("shutting down; draining in-flight requests")
	}
	sctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(sctx); err != nil {
				_ = srv.Close()
				s.log.event("drain timed out; closed remaining connections")
			}
		}()
	}
	wg.Wait()
	for ; running > 0; running-- {
		if err := <-errc; failed == nil && !errors.Is(err, http.ErrServerClosed) {
			failed = err
		}
	}
	if failed != nil {
		return failed
	}
	s.log.event("stopped")
	return nil
}
