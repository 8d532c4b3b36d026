package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Exit codes mirror curl's so harness code written against curl semantics
// (7 = couldn't connect, 28 = timed out) reads the same.
const (
	exitOK        = 0
	exitOther     = 1
	exitUsage     = 2
	exitRefused   = 7
	exitTimeout   = 28
	defaultGetTTL = 10000 // ms
)

const getUsage = `usage: workload get <url> [-H 'k: v']... [-X METHOD] [-d body] [--timeout-ms N] [-v] [--headers]
  One HTTP request. The body goes to stdout; "status: N" goes to stderr, followed with
  --headers by one "header: Name: value" line per response header value.
  -H 'k: v'       request header (repeatable); a Host header sets the request's Host
  -X METHOD       default GET, or POST with -d
  -d body         request body, sent as application/json unless -H sets Content-Type
  --timeout-ms N  whole-request timeout, default 10000 (0 = none)
  -v              also print response headers to stderr as "< Name: value" before the status
  --headers       print response headers to stderr as "header: Name: value" after the status
Exit codes (as curl): 0 any HTTP answer, 7 connection refused, 28 timeout, 2 bad usage, 1 other.
`

// requestOptions are the options get and load share, spelled as curl spells them.
type requestOptions struct {
	method    string
	url       string
	headers   [][2]string
	body      *string
	timeoutMs int
}

type getRequest struct {
	requestOptions
	verbose     bool // "< Name: value" lines before the status (curl -v style)
	showHeaders bool // "header: Name: value" lines after the status
}

// runGet implements `workload get`, the images' stand-in for curl.
func runGet(args []string, stdout, stderr io.Writer) int {
	req, err := parseGetArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, getUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "workload get: %v\n%s", err, getUsage)
		return exitUsage
	}
	return doRequest(req, stdout, stderr)
}

func parseGetArgs(args []string) (getRequest, error) {
	var req getRequest
	opts, err := parseRequestArgs(args, func(opt string, _ func() (string, error)) (bool, error) {
		switch opt {
		case "-v", "--verbose":
			req.verbose = true
		case "--headers":
			req.showHeaders = true
		default:
			return false, nil
		}
		return true, nil
	})
	req.requestOptions = opts
	return req, err
}

// parseRequestArgs parses the shared options, before or after the URL as curl
// accepts them. extra gets every other option first (value fetches its
// argument) and reports whether it took it. -h/--help yields flag.ErrHelp.
func parseRequestArgs(args []string, extra func(opt string, value func() (string, error)) (bool, error)) (requestOptions, error) {
	o := requestOptions{timeoutMs: defaultGetTTL}
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		var v string
		var err error
		switch a {
		case "-h", "-help", "--help":
			return o, flag.ErrHelp
		case "-H", "--header":
			if v, err = value(); err == nil {
				k, val, ok := strings.Cut(v, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return o, fmt.Errorf("header %q: want 'Name: value'", v)
				}
				o.headers = append(o.headers, [2]string{strings.TrimSpace(k), strings.TrimSpace(val)})
			}
		case "-X", "--request":
			if v, err = value(); err == nil {
				o.method = strings.ToUpper(v)
			}
		case "-d", "--data":
			if v, err = value(); err == nil {
				o.body = &v
			}
		case "--timeout-ms":
			if v, err = value(); err == nil {
				if o.timeoutMs, err = strconv.Atoi(v); err != nil || o.timeoutMs < 0 {
					err = fmt.Errorf("--timeout-ms %q: want a non-negative integer (0 = no timeout)", v)
				}
			}
		default:
			var took bool
			if extra != nil {
				took, err = extra(a, value)
			}
			if took || err != nil {
				break
			}
			if strings.HasPrefix(a, "-") {
				return o, fmt.Errorf("unknown option %s", a)
			}
			if o.url != "" {
				return o, fmt.Errorf("more than one URL (%s and %s)", o.url, a)
			}
			o.url = a
		}
		if err != nil {
			return o, err
		}
	}
	if o.url == "" {
		return o, errors.New("missing URL")
	}
	if !strings.Contains(o.url, "://") {
		o.url = "http://" + o.url
	}
	if o.method == "" {
		o.method = http.MethodGet
		if o.body != nil {
			o.method = http.MethodPost // curl -d implies POST
		}
	}
	return o, nil
}

// newRequest builds the HTTP request the options describe. A Host header sets
// the request's Host: Go never sends Host from the header map, and an ingress
// gateway routes by it.
func (o requestOptions) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if o.body != nil {
		body = strings.NewReader(*o.body)
	}
	hr, err := http.NewRequestWithContext(ctx, o.method, o.url, body)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("User-Agent", "meshwright-workload")
	if o.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for _, h := range o.headers {
		if strings.EqualFold(h[0], "Host") {
			hr.Host = h[1]
			continue
		}
		hr.Header.Set(h[0], h[1])
	}
	return hr, nil
}

// doRequest sends req, prints the body to stdout and "status: N" to stderr,
// and maps failures to curl-like exit codes.
func doRequest(req getRequest, stdout, stderr io.Writer) int {
	ctx := context.Background()
	if req.timeoutMs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.timeoutMs)*time.Millisecond)
		defer cancel()
	}
	hr, err := req.newRequest(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitOther
	}
	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(hr)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitCodeFor(err)
	}
	defer resp.Body.Close()
	if req.verbose {
		for k, vs := range resp.Header {
			for _, v := range vs {
				fmt.Fprintf(stderr, "< %s: %s\n", k, v)
			}
		}
	}
	_, err = io.Copy(stdout, resp.Body)
	fmt.Fprintf(stderr, "status: %d\n", resp.StatusCode)
	if req.showHeaders {
		writeHeaderLines(stderr, resp.Header)
	}
	if err != nil {
		fmt.Fprintf(stderr, "error reading body: %v\n", err)
		return exitCodeFor(err)
	}
	return exitOK
}

// writeHeaderLines prints "header: Name: value" per value, names sorted so
// the output is stable; a repeated header gets one line per value, in order.
func writeHeaderLines(w io.Writer, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(w, "header: %s: %s\n", k, v)
		}
	}
}

func exitCodeFor(err error) int {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return exitRefused
	case isTimeout(err):
		return exitTimeout
	}
	return exitOther
}

const ctlUsage = `usage: workload ctl [--admin-addr host:port] <METHOD> <path> [json]
  A request to this instance's admin API (ADMIN_ADDR, default 127.0.0.1:19100; the probe
  container shares the instance's network namespace, so it reaches it too), e.g.
    workload ctl GET /admin/state
    workload ctl PUT /admin/state '{"errorRate":0.5,"latencyMs":200}'
    workload ctl POST /admin/reset
    workload ctl POST /admin/crash
  Output and exit codes as workload get.
`

// runCtl implements `workload ctl METHOD PATH [json]` against this
// instance's admin listener, for `docker exec` driven admin changes.
func runCtl(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	addr := envOr(getenv, "ADMIN_ADDR", defaultAdminAddr)
	usageErr := func(msg string) int {
		fmt.Fprintf(stderr, "workload ctl: %s\n%s", msg, ctlUsage)
		return exitUsage
	}
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			fmt.Fprint(stdout, ctlUsage)
			return exitOK
		case a == "--admin-addr" || a == "-admin-addr":
			if len(args) < 2 {
				return usageErr(a + " needs a value")
			}
			addr, args = args[1], args[2:]
		case strings.HasPrefix(a, "--admin-addr="):
			addr, args = strings.TrimPrefix(a, "--admin-addr="), args[1:]
		case strings.HasPrefix(a, "--listen-addr") || strings.HasPrefix(a, "-listen-addr"):
			return usageErr("the admin API is no longer on LISTEN_ADDR; use --admin-addr (or ADMIN_ADDR)")
		}
	}
	if len(args) < 2 || len(args) > 3 {
		return usageErr("want METHOD, path and an optional JSON body")
	}
	path := args[1]
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req := getRequest{requestOptions: requestOptions{method: strings.ToUpper(args[0]), url: "http://" + dialable(addr) + path, timeoutMs: defaultGetTTL}}
	if len(args) == 3 {
		req.body = &args[2]
	}
	return doRequest(req, stdout, stderr)
}

// dialable turns a wildcard listen address (0.0.0.0:8080, :8080) into one
// a client can connect to.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
