package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxLoadCount bounds one batch, so a typo cannot make a probe send millions of requests.
const maxLoadCount = 20000

const loadUsage = `usage: workload load <url> -n COUNT [-c CONCURRENCY] [-q QPS] [-X METHOD] [-H 'k: v']... [-d body] [--timeout-ms N]
  Sends COUNT requests (1..20000) with at most CONCURRENCY (default 1) in flight, reusing
  connections (keep-alive), and prints one JSON document to stdout:
    {"results":[{"status":N,"instance":"id","endpoint":"ip:port","startMs":N,"latencyMs":N,"error":"..."}]}
  in request order. startMs: when the request started, in ms after the batch began.
  status 0 with error: no HTTP answer (refused, reset, timed out). instance: the response
  header x-meshwright-instance, else the "instance" field of a JSON body, else omitted.
  endpoint: the x-meshwright-endpoint header meshwright's sidecars stamp (the answering
  sidecar's address), else omitted.
  -H 'k: v'       request header (repeatable); a Host header sets the requests' Host
  -X METHOD       default GET, or POST with -d
  -d body         request body of every request, sent as application/json unless -H sets Content-Type
  -q, --qps QPS   start request i no earlier than i/QPS s after the batch began, so a batch
                  lasts COUNT/QPS s however fast the machine (default 0: as fast as it can)
  --timeout-ms N  per-request timeout, default 10000 (0 = none)
Exit codes: 0 the batch ran (whatever each request got), 2 bad usage, 1 other errors.
`

// hdrInstance names the instance that answered: the workload sets it itself.
const hdrInstance = "X-Meshwright-Instance"

// hdrEndpoint is the address (ip:port) of the sidecar that relayed the answer: every
// meshwright sidecar stamps it on responses, whatever the app, and the app cannot forge it.
const hdrEndpoint = "X-Meshwright-Endpoint"

type loadRequest struct {
	requestOptions
	count       int
	concurrency int
	qps         int
}

// loadResult is one request's outcome: who answered, with what, how fast, and when it
// started (ms after the batch began), so a probe can place a fault in the stream.
type loadResult struct {
	Status    int     `json:"status"`
	Instance  string  `json:"instance,omitempty"`
	Endpoint  string  `json:"endpoint,omitempty"`
	StartMs   float64 `json:"startMs"`
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

// runLoad implements `workload load`: many requests in one process, because
// one `docker exec` per request costs tens of milliseconds.
func runLoad(args []string, stdout, stderr io.Writer) int {
	req, err := parseLoadArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, loadUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "workload load: %v\n%s", err, loadUsage)
		return exitUsage
	}
	// Build one request up front, so a bad URL fails once instead of COUNT times.
	if _, err := req.newRequest(context.Background()); err != nil {
		fmt.Fprintf(stderr, "workload load: %v\n", err)
		return exitOther
	}
	client := newLoadClient(req.concurrency, time.Duration(req.timeoutMs)*time.Millisecond)
	defer client.CloseIdleConnections()
	results := runBatch(req.count, req.concurrency, req.qps, func(int) loadResult { return loadOnce(client, req) })

	w := bufio.NewWriter(stdout)
	if err := json.NewEncoder(w).Encode(struct {
		Results []loadResult `json:"results"`
	}{results}); err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "workload load: writing results: %v\n", err)
		return exitOther
	}
	return exitOK
}

func parseLoadArgs(args []string) (loadRequest, error) {
	req := loadRequest{concurrency: 1}
	countSet := false
	opts, err := parseRequestArgs(args, func(opt string, value func() (string, error)) (bool, error) {
		var dst *int
		switch opt {
		case "-n", "--count":
			dst, countSet = &req.count, true
		case "-c", "--concurrency":
			dst = &req.concurrency
		case "-q", "--qps":
			dst = &req.qps
		default:
			return false, nil
		}
		v, err := value()
		if err != nil {
			return true, err
		}
		if *dst, err = strconv.Atoi(v); err != nil {
			return true, fmt.Errorf("%s %q: want an integer", opt, v)
		}
		return true, nil
	})
	req.requestOptions = opts
	switch {
	case err != nil:
		return req, err
	case !countSet:
		return req, errors.New("-n COUNT is required")
	case req.count < 1 || req.count > maxLoadCount:
		return req, fmt.Errorf("-n must be 1..%d, got %d", maxLoadCount, req.count)
	case req.concurrency < 1:
		return req, fmt.Errorf("-c must be at least 1, got %d", req.concurrency)
	case req.qps < 0:
		return req, fmt.Errorf("-q must be 0 (unpaced) or more, got %d", req.qps)
	}
	if req.concurrency > req.count {
		req.concurrency = req.count
	}
	return req, nil
}

// newLoadClient keeps connections alive and keeps as many idle as can be in
// flight, so a batch reuses its connections and Envoy balances per request,
// which is what probes sample. (The default keeps only 2 idle per host, which
// would churn connections at higher concurrency.)
func newLoadClient(concurrency int, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // the sidecar is the proxy; ignore HTTP_PROXY in containers
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			IdleConnTimeout:     90 * time.Second,
		},
		Timeout: timeout, // per request, body included; 0 = none
		// Report each answer itself, not wherever it redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// runBatch runs do(0..count-1) with at most concurrency calls in flight and
// returns the results in index order, each stamped with when its call started.
// With qps > 0, call i starts no earlier than i/qps s after the batch began, so a
// probe can place a fault in a stream whose length does not depend on the machine.
func runBatch(count, concurrency, qps int, do func(i int) loadResult) []loadResult {
	results := make([]loadResult, count)
	began := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(concurrency, count) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if qps > 0 {
					time.Sleep(time.Until(began.Add(time.Duration(i) * time.Second / time.Duration(qps))))
				}
				startMs := millis(time.Since(began))
				results[i] = do(i)
				results[i].StartMs = startMs
			}
		}()
	}
	for i := range count {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// loadOnce sends one request and reads who answered: the x-meshwright-instance
// header, else the workload echo's JSON "instance" (Envoy's own errors have neither).
func loadOnce(client *http.Client, req loadRequest) loadResult {
	out, err := req.newRequest(context.Background())
	if err != nil {
		return loadResult{Error: err.Error()}
	}
	start := time.Now()
	resp, err := client.Do(out)
	if err != nil {
		return loadResult{LatencyMs: millis(time.Since(start)), Error: shortError(err)}
	}
	// Read the body to the end so the connection goes back to the pool.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody))
	resp.Body.Close()
	res := loadResult{Status: resp.StatusCode, LatencyMs: millis(time.Since(start)), Instance: answeringInstance(resp.Header, raw), Endpoint: strings.TrimSpace(resp.Header.Get(hdrEndpoint))}
	if err != nil {
		res.Error = "reading body: " + shortError(err)
	}
	return res
}

func answeringInstance(h http.Header, body []byte) string {
	if v := strings.TrimSpace(h.Get(hdrInstance)); v != "" {
		return v
	}
	var who struct {
		Instance string `json:"instance"`
	}
	if json.Unmarshal(body, &who) == nil {
		return who.Instance
	}
	return ""
}

// shortError drops the `Get "url": ` prefix every request of a batch would repeat.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
