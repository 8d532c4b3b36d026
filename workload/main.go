// Command workload is meshwright's test service: an HTTP app that runs behind
// an Envoy sidecar and lets tests steer it per request (fault headers) or per
// instance (admin state, on a loopback-only listener). The same binary is the
// harness's probe container (workload probe) and its tools there, because the
// mesh images ship no curl: get, load, dial and ctl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `workload - meshwright test service

Usage:
  workload [serve] [flags]                 run the HTTP service
  workload get <url> [-H 'k: v']... [-X METHOD] [-d body] [--timeout-ms N] [-v] [--headers]
                                           HTTP client; body to stdout, "status: N" to stderr
                                           (--headers: then "header: Name: value" lines);
                                           exit 0 on any HTTP response, 7 connection refused,
                                           28 timeout, 2 bad usage, 1 other errors
  workload load <url> -n COUNT [-c CONCURRENCY] [-X METHOD] [-H 'k: v']... [-d body] [--timeout-ms N]
                                           COUNT (<= 20000) requests, at most CONCURRENCY in flight,
                                           connections kept alive; prints {"results":[{status,
                                           instance, startMs, latencyMs, error}]} in request order
  workload ctl [--admin-addr A] <METHOD> <path> [json]
                                           send a request to this instance's admin API (ADMIN_ADDR),
                                           e.g. workload ctl PUT /admin/state '{"healthy":false}'
  workload dial <host:port> [--timeout-ms N]
                                           open a TCP connection (tcp health check): exit 0
                                           connected, 7 refused, 28 timeout
  workload probe                           idle until SIGTERM/SIGINT, then exit 0 (the probe
                                           container's PID 1; opens no listener)
  workload <subcommand> --help             details of one subcommand
  workload --help

Serve flags (each overrides the env var of the same meaning):
  --service-name  SERVICE_NAME  required
  --instance-id   INSTANCE_ID   default: hostname
  --version       VERSION       default: v1
  --listen-addr   LISTEN_ADDR   default: 127.0.0.1:8080 (loopback: only the sidecar reaches it)
  --admin-addr    ADMIN_ADDR    default: 127.0.0.1:19100; must be loopback (127.0.0.0/8, ::1,
                                localhost): the admin API, never on the port the mesh serves
  --upstreams     UPSTREAMS     name=host:port,name2=host:port (sidecar upstream listeners)
  --metrics-path  METRICS_PATH  default: /metrics
  --trace-headers TRACE_HEADERS comma-separated, case-insensitive: copied from each inbound request
                                onto the /call/ it causes; default: traceparent,tracestate,
                                x-request-id,x-b3-traceid,x-b3-spanid,x-b3-parentspanid,
                                x-b3-sampled,x-b3-flags,b3
  --static-dir    STATIC_DIR    a folder (must exist): GET/HEAD on any path but /health, /metrics
                                and /call/ serve its files (index.html for "/", no listings,
                                Cache-Control: no-store); other methods still echo. default: unset

LISTEN_ADDR: /health, /metrics, /call/<upstream>/..., anything else echoes (/admin/... included),
             or with STATIC_DIR, GET/HEAD on anything else is a file from it.
ADMIN_ADDR:  GET|PUT|POST /admin/state, POST /admin/reset, POST /admin/crash.
Fault headers: x-fault-delay-ms, x-fault-status, x-fault-abort; x-upstream-* is forwarded as x-*;
TRACE_HEADERS are always forwarded by /call/.
`

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without process globals, so tests can drive every subcommand.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "get":
			return runGet(args[1:], stdout, stderr)
		case "ctl":
			return runCtl(args[1:], getenv, stdout, stderr)
		case "load":
			return runLoad(args[1:], stdout, stderr)
		case "dial":
			return runDial(args[1:], stdout, stderr)
		case "probe":
			return runProbe(args[1:], stdout, stderr)
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		case "serve":
			args = args[1:]
		}
	}
	cfg, err := loadConfig(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "workload: %v\n(run 'workload --help' for usage)\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "workload: %v\n", err)
		return 1
	}
	return 0
}
