package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	hdrCallTimeout     = "X-Call-Timeout-Ms"
	defaultCallTimeout = 10 * time.Second
	maxUpstreamBody    = 8 << 20
	// upstreamPrefix marks headers meant for the callee: "x-upstream-fault-status"
	// arrives there as "x-fault-status". Stripping one level per hop means
	// "x-upstream-upstream-fault-status" reaches the callee's callee.
	upstreamPrefix = "x-upstream-"
)

// hopHeaders are connection-level (RFC 9110 §7.6.1) or recomputed by the
// transport, so they are never copied onto the outgoing request.
var hopHeaders = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "proxy-authenticate": true,
	"proxy-authorization": true, "te": true, "trailer": true, "transfer-encoding": true,
	"upgrade": true, "host": true, "content-length": true,
	// Go's transport negotiates gzip itself and decompresses; a forwarded
	// Accept-Encoding would hand us compressed bytes we then fail to parse.
	"accept-encoding": true,
}

// newCallClient builds the client for /call/. Keep-alives are off so every
// call is a new TCP connection: with Consul's default "tcp" protocol Envoy
// balances per connection, and reused connections would pin one instance.
func newCallClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             nil, // the sidecar is the proxy; ignore HTTP_PROXY in containers
			DisableKeepAlives: true,
			DialContext:       (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		},
		// Report the upstream's own answer, not wherever it redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type callResult struct {
	Service   string  `json:"service"`
	Instance  string  `json:"instance"`
	Upstream  string  `json:"upstream"`
	Status    int     `json:"status"`
	Response  any     `json:"response"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

// handleCall forwards /call/<upstream>/<rest> to the sidecar's local listener
// for that upstream, so the request really crosses the mesh (mTLS,
// intentions, balancing) and the reply reports what came back.
func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.EscapedPath(), "/call"), "/")
	name, tail, _ := strings.Cut(rest, "/")
	addr, ok := s.cfg.Upstreams[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{
			"service": s.cfg.ServiceName, "instance": s.cfg.InstanceID,
			"error": fmt.Sprintf("unknown upstream %q; known upstreams: %s", name, strings.Join(s.cfg.UpstreamNames(), ", ")),
			"known": s.cfg.UpstreamNames(),
		})
		return
	}
	timeout := defaultCallTimeout
	if v := strings.TrimSpace(r.Header.Get(hdrCallTimeout)); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			writeJSON(w, http.StatusBadRequest, s.errorBody(fmt.Sprintf("x-call-timeout-ms: %q is not a positive integer", v)))
			return
		}
		timeout = time.Duration(ms) * time.Millisecond
	}

	target := "http://" + addr + "/" + tail
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	var body io.Reader = r.Body
	if r.ContentLength == 0 {
		body = http.NoBody
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, s.errorBody(err.Error()))
		return
	}
	out.ContentLength = r.ContentLength
	out.Header = forwardHeaders(r.Header, s.cfg.TraceHeaders)

	res := callResult{Service: s.cfg.ServiceName, Instance: s.cfg.InstanceID, Upstream: name}
	start := time.Now()
	resp, err := s.client.Do(out)
	var raw []byte
	if err == nil {
		raw, err = io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody))
		resp.Body.Close()
	}
	res.LatencyMs = millis(time.Since(start))
	if err != nil {
		code, label := http.StatusBadGateway, "error"
		switch {
		case r.Context().Err() != nil:
			code, label = statusClientClosed, "error"
		case isTimeout(err):
			code, label = http.StatusGatewayTimeout, "timeout"
			err = fmt.Errorf("no response from %s within %d ms: %w", name, timeout.Milliseconds(), err)
		}
		s.metrics.ObserveUpstream(name, label)
		res.Status, res.Error = code, err.Error()
		writeJSON(w, code, res)
		return
	}
	s.metrics.ObserveUpstream(name, strconv.Itoa(resp.StatusCode))
	res.Status, res.Response = resp.StatusCode, parseBody(raw)
	code := resp.StatusCode
	if !validStatus(code) {
		code = http.StatusBadGateway // e.g. 1xx or nonsense codes cannot be relayed as-is
	}
	writeJSON(w, code, res)
}

// forwardHeaders copies end-to-end headers (Authorization included, so auth
// tests can pass tokens through), drops this hop's fault and timeout headers,
// promotes x-upstream-* to x-* for the callee, and makes sure the trace
// headers are there.
func forwardHeaders(in http.Header, trace []string) http.Header {
	out := http.Header{}
	for k, vs := range in {
		lk := strings.ToLower(k)
		switch {
		case notForwarded(lk):
			continue
		case strings.HasPrefix(lk, upstreamPrefix):
			k = "x-" + lk[len(upstreamPrefix):]
		}
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	copyTraceHeaders(out, in, trace)
	return out
}

// copyTraceHeaders copies each named header from in onto out unless out
// already has it (e.g. set from x-upstream-*). It does not rely on the general
// copy above, so a trace continues across the hop whatever that copy forwards.
func copyTraceHeaders(out, in http.Header, names []string) {
	for _, name := range names {
		if vs := in.Values(name); len(vs) > 0 && len(out.Values(name)) == 0 {
			for _, v := range vs {
				out.Add(name, v)
			}
		}
	}
}

// notForwarded reports whether /call/ drops the (lower-case) header: it is
// connection-level, or it steers this hop only.
func notForwarded(lk string) bool {
	return hopHeaders[lk] || strings.HasPrefix(lk, "x-fault-") || lk == strings.ToLower(hdrCallTimeout)
}

// parseBody returns JSON bodies as JSON so callers can assert on nested
// fields, and anything else (e.g. Envoy's plain-text errors) as a string.
func parseBody(raw []byte) any {
	if len(raw) > 0 && json.Valid(raw) {
		return json.RawMessage(raw)
	}
	return string(raw)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}
