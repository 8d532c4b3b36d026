package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const probeUsage = `usage: workload probe
  Idles until SIGTERM or SIGINT, then exits 0 at once. This is the process of the harness's
  probe container, which shares an instance's network namespace (like a debug container in a
  pod) and is exec'd into for every harness request (workload get, load, dial, ctl). It opens
  no listener. It handles the signals itself because it runs as PID 1, which the kernel gives
  no default signal actions: without a handler, docker stop would wait for its timeout and kill.
`

// runProbe blocks until SIGTERM or SIGINT. Nothing else: the probe container
// exists only to hold a process in the instance's namespace to exec into.
func runProbe(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if a := args[0]; a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, probeUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "workload probe: unexpected argument %q\n%s", args[0], probeUsage)
		return exitUsage
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)
	log := &lineLogger{w: stdout}
	// Logged after the handler is installed, so "idle" means a signal is handled.
	log.event("probe idle; waiting for SIGTERM")
	sig := <-sigs
	log.line(struct {
		Time   string `json:"time"`
		Msg    string `json:"msg"`
		Signal string `json:"signal"`
	}{nowRFC3339(), "probe stopping", sig.String()})
	return exitOK
}
