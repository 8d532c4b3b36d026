// Command reaper removes what testcontainers started once the processes that
// started it are gone. It speaks the protocol of testcontainers' Ryuk, so it
// is a drop-in for RYUK_CONTAINER_IMAGE: clients connect to port 8080 and send
// filter lines such as `label=org.testcontainers.session-id=<uuid>`; when no
// client has been connected for RYUK_RECONNECTION_TIMEOUT (10s), every
// container (forced, with its volumes), network, volume and image matching a
// filter is removed through the Docker Engine API, and the reaper exits.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Getenv, os.Stdout))
}

func run(getenv func(string) string, stdout io.Writer) int {
	cfg, cfgErr := LoadConfig(getenv)
	log := NewLogger(stdout, cfg.Verbose)
	if cfgErr != nil {
		log.Printf("error: %v", cfgErr)
		return 2
	}
	engine, err := NewEngine(cfg.DockerHost, cfg.APIVersion)
	if err != nil {
		log.Printf("error: %v", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout)
	err = engine.Ping(ctx)
	cancel()
	if err != nil {
		log.Printf("error: cannot reach the Docker engine at %s: %v (mount its socket: -v /var/run/docker.sock:/var/run/docker.sock)", cfg.DockerHost, err)
		return 1
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		log.Printf("error: %v", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// testcontainers waits for a log line containing "Started" before it connects.
	log.Printf("Started: listening on %s; Docker engine at %s (API %s); grace period %s after the last client leaves; exits if no client connects within %s",
		ln.Addr(), cfg.DockerHost, cfg.APIVersion, cfg.ReconnectionTimeout, cfg.ConnectionTimeout)
	if err := NewReaper(cfg, engine, log).Serve(ctx, ln); err != nil {
		log.Printf("error: %v", err)
		return 1
	}
	log.Printf("done")
	return 0
}
