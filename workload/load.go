package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxLoadCount bounds one batch, so a typo cannot make an instance send millions of calls.
const maxLoadCount = 20000

// loadRequest asks this instance to call one upstream many times through its sidecar.
// Probes use it because one `docker exec` per request costs tens of milliseconds.
type loadRequest struct {
	Upstream    string            `json:"upstream"`
	Path        string            `json:"path"`
	Method      string            `json:"method"`
	Count       int               `json:"count"`
	Concurrency int               `json:"concurrency"`
	Headers     map[string]string `json:"headers"`
	TimeoutMs   int               `json:"timeoutMs"`
}

// loadResult is one call's outcome: who answered, with what, how fast, and when it started
// (ms after the batch began), so a probe can place a fault in the stream.
type loadResult struct {
	Status    int     `json:"status"`
	Instance  string  `json:"instance,omitempty"`
	StartMs   float64 `json:"startMs"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

func (s *Server) handleLoad(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	var req loadRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, s.errorBody("load: body is not JSON: "+err.Error()))
		return
	}
	addr, ok := s.cfg.Upstreams[req.Upstream]
	switch {
	case !ok:
		writeJSON(w, http.StatusBadRequest, s.errorBody(fmt.Sprintf("load: unknown upstream %q; known upstreams: %s", req.Upstream, strings.Join(s.cfg.UpstreamNames(), ", "))))
		return
	case req.Count < 1 || req.Count > maxLoadCount:
		writeJSON(w, http.StatusBadRequest, s.errorBody(fmt.Sprintf("load: count must be 1..%d, got %d", maxLoadCount, req.Count)))
		return
	}
	if req.Concurrency < 1 {
		req.Concurrency = 1
	}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	timeout := 10 * time.Second
	if req.TimeoutMs > 0 {
		timeout = time.Duration(req.TimeoutMs) * time.Millisecond
	}
	url := "http://" + addr + "/" + strings.TrimPrefix(req.Path, "/")
	results := make([]loadResult, req.Count)
	began := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range req.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				startMs := millis(time.Since(began))
				results[i] = s.callOnce(r, req, url, timeout)
				results[i].StartMs = startMs
			}
		}()
	}
	for i := range req.Count {
		next <- i
	}
	close(next)
	wg.Wait()
	writeJSON(w, http.StatusOK, map[string]any{"service": s.cfg.ServiceName, "instance": s.cfg.InstanceID, "upstream": req.Upstream, "results": results})
}

// callOnce makes one call through the sidecar and reads the answering instance from
// the upstream workload's JSON (Envoy's own errors have none).
func (s *Server) callOnce(r *http.Request, req loadRequest, url string, timeout time.Duration) loadResult {
	out, err := http.NewRequestWithContext(r.Context(), req.Method, url, http.NoBody)
	if err != nil {
		return loadResult{Error: err.Error()}
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Host") {
			out.Host = v // Go sends req.Host, never a Host header; ingress routes by it
			continue
		}
		out.Header.Set(k, v)
	}
	client := *s.client
	client.Timeout = timeout
	start := time.Now()
	resp, err := client.Do(out)
	if err != nil {
		s.metrics.ObserveUpstream(req.Upstream, "error")
		return loadResult{LatencyMs: millis(time.Since(start)), Error: err.Error()}
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody))
	resp.Body.Close()
	res := loadResult{Status: resp.StatusCode, LatencyMs: millis(time.Since(start))}
	var who struct {
		Instance string `json:"instance"`
	}
	if json.Unmarshal(raw, &who) == nil {
		res.Instance = who.Instance
	}
	s.metrics.ObserveUpstream(req.Upstream, fmt.Sprint(resp.StatusCode))
	return res
}
