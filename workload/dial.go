package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

const dialUsage = `usage: workload dial <host:port> [--timeout-ms N]
  Opens a TCP connection and closes it again: the probe's health check for tcp services.
  --timeout-ms N  default 10000 (0 = none)
Exit codes (as curl): 0 connected, 7 connection refused, 28 timeout, 2 bad usage, 1 other errors.
`

// runDial implements `workload dial`.
func runDial(args []string, stdout, stderr io.Writer) int {
	addr, timeoutMs, err := parseDialArgs(args)
	if errors.Is(err, errDialHelp) {
		fmt.Fprint(stdout, dialUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "workload dial: %v\n%s", err, dialUsage)
		return exitUsage
	}
	ctx := context.Background()
	if timeoutMs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(timeoutMs)*time.Millisecond)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitCodeFor(err)
	}
	fmt.Fprintf(stderr, "connected: %s\n", conn.RemoteAddr())
	_ = conn.Close()
	return exitOK
}

var errDialHelp = errors.New("help")

func parseDialArgs(args []string) (addr string, timeoutMs int, err error) {
	timeoutMs = defaultGetTTL
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-h" || a == "-help" || a == "--help":
			return "", 0, errDialHelp
		case a == "--timeout-ms":
			if i+1 >= len(args) {
				return "", 0, errors.New("--timeout-ms needs a value")
			}
			i++
			if timeoutMs, err = strconv.Atoi(args[i]); err != nil || timeoutMs < 0 {
				return "", 0, fmt.Errorf("--timeout-ms %q: want a non-negative integer (0 = no timeout)", args[i])
			}
		case strings.HasPrefix(a, "-"):
			return "", 0, fmt.Errorf("unknown option %s", a)
		case addr != "":
			return "", 0, fmt.Errorf("more than one address (%s and %s)", addr, a)
		default:
			addr = a
		}
	}
	if addr == "" {
		return "", 0, errors.New("missing host:port")
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return "", 0, fmt.Errorf("%q is not host:port", addr)
	}
	return addr, timeoutMs, nil
}
