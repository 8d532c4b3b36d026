package main

import (
	"io"
	"net/http"
	"strings"
)

// echoHeaders is the fixed set of request headers a mesh test cares about:
// the mTLS identity Envoy adds, whether a token got through, and tracing.
type echoHeaders struct {
	XFCC          string       `json:"x-forwarded-client-cert"`
	Authorization authPresence `json:"authorization"`
	XRequestID    string       `json:"x-request-id"`
	UserAgent     string       `json:"user-agent"`
	// Proxy holds every header a proxy sets to tell the app where a request came
	// from or how it was routed (x-forwarded-*, forwarded, x-real-ip, x-envoy-*),
	// by lower-case name, several values joined with ", ". A caller must not be
	// able to set them, so security tests read here what reached the app.
	Proxy map[string]string `json:"proxy"`
	// Trace holds the trace context that reached the app: each of TRACE_HEADERS
	// present on the request (x-request-id has its own field), by lower-case
	// name, so tracing tests can follow a request's trace id and sampling
	// decision hop by hop.
	Trace map[string]string `json:"trace,omitempty"`
	// Custom holds every x- request header not reported above (not x-forwarded-*,
	// x-envoy-*, x-request-id, x-meshwright-probe or x-fault-*), by lower-case
	// name, so routing tests see the header edits a route or split made.
	Custom map[string]string `json:"custom,omitempty"`
}

// authPresence reports only presence: the token itself must never land in
// test logs or snapshots.
type authPresence struct {
	Present bool `json:"present"`
}

type echoBody struct {
	Service   string      `json:"service"`
	Instance  string      `json:"instance"`
	Version   string      `json:"version"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Query     string      `json:"query,omitempty"`
	Host      string      `json:"host"`
	Headers   echoHeaders `json:"headers"`
	BodyBytes int64       `json:"bodyBytes"`
	Probe     string      `json:"probe,omitempty"`
	Time      string      `json:"time"`
}

// handleEcho answers any non-reserved path with who-served-what, which is
// what discovery, balancing and auth assertions read.
func (s *Server) handleEcho(w http.ResponseWriter, r *http.Request) {
	// Count (and drain) the body so /call/ tests can see it was forwarded.
	n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
	writeJSON(w, http.StatusOK, echoBody{
		Service:  s.cfg.ServiceName,
		Instance: s.cfg.InstanceID,
		Version:  s.cfg.Version,
		Method:   r.Method,
		Path:     r.URL.Path,
		Query:    r.URL.RawQuery,
		Host:     r.Host,
		Headers: echoHeaders{
			XFCC:          r.Header.Get("X-Forwarded-Client-Cert"),
			Authorization: authPresence{Present: r.Header.Get("Authorization") != ""},
			XRequestID:    r.Header.Get("X-Request-Id"),
			UserAgent:     r.Header.Get("User-Agent"),
			Proxy:         proxyHeaders(r.Header),
			Trace:         traceContext(r.Header, s.cfg.TraceHeaders),
			Custom:        customHeaders(r.Header, s.cfg.TraceHeaders),
		},
		BodyBytes: n,
		Probe:     r.Header.Get("X-Meshwright-Probe"),
		Time:      nowRFC3339(),
	})
}

// handleHealth is what Consul's HTTP check polls; admin can flip it to 503
// to exercise failover without killing the process, or set healthStatus
// (e.g. 429, which Consul's check reports as warning) while it stays healthy.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	if st := s.state.Get(); st.Healthy {
		if st.HealthStatus == http.StatusOK {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			return
		}
		writeJSON(w, st.HealthStatus, map[string]any{
			"status": consulCheckState(st.HealthStatus), "healthStatus": st.HealthStatus,
			"service": s.cfg.ServiceName, "instance": s.cfg.InstanceID,
		})
		return
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{
		"status": "unhealthy", "service": s.cfg.ServiceName, "instance": s.cfg.InstanceID,
	})
}

// consulCheckState is how Consul's HTTP check reads a status code.
func consulCheckState(code int) string {
	switch {
	case code >= 200 && code < 300:
		return "passing"
	case code == http.StatusTooManyRequests:
		return "warning"
	}
	return "critical"
}

// traceContext picks the trace headers named in names (lower-case) out of h.
func traceContext(h http.Header, names []string) map[string]string {
	out := map[string]string{}
	for _, name := range names {
		if name == "x-request-id" {
			continue
		}
		if v := h.Values(name); len(v) > 0 {
			out[name] = strings.Join(v, ", ")
		}
	}
	return out
}

// proxyHeaders picks the proxy-set request headers out of h (see echoHeaders.Proxy).
// customHeaders reports the x- headers no other field of echoHeaders does.
func customHeaders(h http.Header, trace []string) map[string]string {
	out := map[string]string{}
	for name, values := range h {
		lk := strings.ToLower(name)
		if !strings.HasPrefix(lk, "x-") || strings.HasPrefix(lk, "x-forwarded-") || strings.HasPrefix(lk, "x-envoy-") || strings.HasPrefix(lk, "x-fault-") ||
			lk == "x-real-ip" || lk == "x-request-id" || lk == "x-meshwright-probe" || containsFold(trace, lk) {
			continue
		}
		out[lk] = strings.Join(values, ", ")
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func proxyHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for name, values := range h {
		lk := strings.ToLower(name)
		if strings.HasPrefix(lk, "x-forwarded-") || strings.HasPrefix(lk, "x-envoy-") || lk == "forwarded" || lk == "x-real-ip" {
			out[lk] = strings.Join(values, ", ")
		}
	}
	return out
}
