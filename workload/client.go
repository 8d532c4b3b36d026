package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

type getRequest struct {
	method    string
	url       string
	headers   [][2]string
	body      *string
	timeoutMs int
	verbose   bool
}

// runGet implements `workload get`, the images' stand-in for curl.
func runGet(args []string, stdout, stderr io.Writer) int {
	req, err := parseGetArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "workload get: %v\nusage: workload get <url> [-H 'k: v']... [-X METHOD] [-d body] [--timeout-ms N] [-v]\n", err)
		return exitUsage
	}
	return doRequest(req, stdout, stderr)
}

// parseGetArgs accepts options before or after the URL, as curl does.
func parseGetArgs(args []string) (getRequest, error) {
	req := getRequest{timeoutMs: defaultGetTTL}
	next := func(i *int, flag string) (string, error) {
		if *i+1 >= len(args) {
			return "", fmt.Errorf("%s needs a value", flag)
		}
		*i++
		return args[*i], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		var err error
		switch a {
		case "-H", "--header":
			if v, err = next(&i, a); err == nil {
				k, val, ok := strings.Cut(v, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return req, fmt.Errorf("header %q: want 'Name: value'", v)
				}
				req.headers = append(req.headers, [2]string{strings.TrimSpace(k), strings.TrimSpace(val)})
			}
		case "-X", "--request":
			if v, err = next(&i, a); err == nil {
				req.method = strings.ToUpper(v)
			}
		case "-d", "--data":
			if v, err = next(&i, a); err == nil {
				req.body = &v
			}
		case "--timeout-ms":
			if v, err = next(&i, a); err == nil {
				if req.timeoutMs, err = strconv.Atoi(v); err != nil || req.timeoutMs < 0 {
					err = fmt.Errorf("--timeout-ms %q: want a non-negative integer (0 = no timeout)", v)
				}
			}
		case "-v", "--verbose":
			req.verbose = true
		default:
			if strings.HasPrefix(a, "-") {
				return req, fmt.Errorf("unknown option %s", a)
			}
			if req.url != "" {
				return req, fmt.Errorf("more than one URL (%s and %s)", req.url, a)
			}
			req.url = a
		}
		if err != nil {
			return req, err
		}
	}
	if req.url == "" {
		return req, errors.New("missing URL")
	}
	if !strings.Contains(req.url, "://") {
		req.url = "http://" + req.url
	}
	if req.method == "" {
		req.method = http.MethodGet
		if req.body != nil {
			req.method = http.MethodPost // curl -d implies POST
		}
	}
	return req, nil
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
	var body io.Reader
	if req.body != nil {
		body = strings.NewReader(*req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitOther
	}
	hr.Header.Set("User-Agent", "meshwright-workload")
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for _, h := range req.headers {
		if strings.EqualFold(h[0], "Host") {
			hr.Host = h[1]
			continue
		}
		hr.Header.Set(h[0], h[1])
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
	if err != nil {
		fmt.Fprintf(stderr, "error reading body: %v\n", err)
		return exitCodeFor(err)
	}
	return exitOK
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

// runCtl implements `workload ctl METHOD PATH [json]` against this
// instance's own listener, for `docker exec` driven admin changes.
func runCtl(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	addr := envOr(getenv, "LISTEN_ADDR", "127.0.0.1:8080")
	if len(args) >= 2 && (args[0] == "--listen-addr" || args[0] == "-listen-addr") {
		addr, args = args[1], args[2:]
	}
	if len(args) < 2 || len(args) > 3 {
		fmt.Fprintln(stderr, "usage: workload ctl [--listen-addr host:port] <METHOD> <path> [json]")
		return exitUsage
	}
	path := args[1]
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req := getRequest{method: strings.ToUpper(args[0]), url: "http://" + dialable(addr) + path, timeoutMs: defaultGetTTL}
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
