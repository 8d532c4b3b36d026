package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Per-request fault headers. They act on the instance that receives them;
// to aim a fault at a callee, send x-upstream-fault-* to /call/ (see call.go).
const (
	hdrFaultDelay  = "X-Fault-Delay-Ms"
	hdrFaultStatus = "X-Fault-Status"
	hdrFaultAbort  = "X-Fault-Abort"
	maxDelay       = 10 * time.Minute // a typo like 5000000 should not hang a test run for hours
)

type requestFaults struct {
	delay  time.Duration
	status int
	abort  bool
}

// parseFaults rejects malformed values with 400 instead of ignoring them, so
// a misspelled fault never silently turns a negative test into a pass.
func parseFaults(h http.Header) (requestFaults, error) {
	var f requestFaults
	if v := strings.TrimSpace(h.Get(hdrFaultDelay)); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxDelay {
			return f, fmt.Errorf("x-fault-delay-ms: %q is not an integer between 0 and %d", v, maxDelay.Milliseconds())
		}
		f.delay = time.Duration(ms) * time.Millisecond
	}
	if v := strings.TrimSpace(h.Get(hdrFaultStatus)); v != "" {
		code, err := strconv.Atoi(v)
		if err != nil || !validStatus(code) {
			return f, fmt.Errorf("x-fault-status: %q is not a status code between 200 and 599", v)
		}
		f.status = code
	}
	if v := strings.TrimSpace(h.Get(hdrFaultAbort)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, fmt.Errorf("x-fault-abort: %q is not true or false", v)
		}
		f.abort = b
	}
	return f, nil
}

// validStatus excludes 1xx, which net/http treats as informational and would
// follow with a 200.
func validStatus(code int) bool { return code >= 200 && code <= 599 }

// applyFaults runs header faults and, when applyState is set, the admin
// state's latency and error rate. Order: delays first (so "slow then fail"
// is expressible), then abort, then forced status, then random errors.
// It returns false when it already answered or killed the request.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, f requestFaults, applyState bool) bool {
	if !sleepCtx(r.Context(), f.delay) {
		w.WriteHeader(statusClientClosed)
		return false
	}
	var st State
	if applyState {
		st = s.state.Get()
		if !sleepCtx(r.Context(), time.Duration(st.LatencyMs)*time.Millisecond) {
			w.WriteHeader(statusClientClosed)
			return false
		}
	}
	if f.abort {
		abortConnection(w)
		return false
	}
	if f.status != 0 {
		s.writeFault(w, r, f.status, "x-fault-status")
		return false
	}
	// rand.Float64 is in [0,1): rate 0 never fires, rate 1 always does.
	if applyState && st.ErrorRate > 0 && rand.Float64() < st.ErrorRate {
		s.writeFault(w, r, st.ErrorStatus, "error-rate")
		return false
	}
	return true
}

// writeFault answers with an injected status; the body still names the
// instance so balancing/failover tests can attribute the failure.
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, code int, cause string) {
	w.Header().Set("X-Meshwright-Fault", cause)
	writeJSON(w, code, map[string]any{
		"service": s.cfg.ServiceName, "instance": s.cfg.InstanceID, "version": s.cfg.Version,
		"path": r.URL.Path, "status": code, "fault": cause,
	})
}

// abortConnection closes the TCP connection without writing a response, which
// Envoy reports as an upstream reset (what outlier detection and retries key on).
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot be hijacked; this panic makes net/http reset the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// sleepCtx waits d, returning false early if the client goes away.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
