/**
 * meshwright's pause program, the process of every pod's sandbox container: the upstream one
 * is built from C and published only as a registry image. It holds the pod's namespaces open,
 * reaps orphans (it is PID 1 where a pod shares its PID namespace), and exits at once on
 * SIGINT or SIGTERM. Kept here as text, so the package ships it without a Go file of its own.
 */
export const PAUSE_SOURCE = `// Command pause holds a pod's namespaces until it is told to stop.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("meshwright pause")
		return
	}
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
`;

/** Its module: standard library only, nothing to download. */
export const PAUSE_GO_MOD = "module meshwright.local/pause\n\ngo 1.21\n";
