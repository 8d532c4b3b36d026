package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is what the reaper reads from its environment. The variable names and
// defaults are Ryuk's, so testcontainers clients that pass RYUK_* settings to
// the reaper container (testcontainers-node passes RYUK_VERBOSE and
// RYUK_RECONNECTION_TIMEOUT) get the behaviour they expect.
type Config struct {
	// ConnectionTimeout: exit if no client connects this long after start.
	ConnectionTimeout time.Duration
	// ReconnectionTimeout is the grace period: once the last client has
	// disconnected and none has come back for this long, everything matching
	// the registered filters is removed and the reaper exits.
	ReconnectionTimeout time.Duration
	// RequestTimeout bounds each Docker Engine API call.
	RequestTimeout time.Duration
	// RemoveRetries is how many rounds a removal is tried (a network stays in
	// use until its containers are gone, an image until its containers are).
	RemoveRetries int
	// RetryOffset is added to the sweep's start time; a matching resource
	// created after that instant means a client is starting things right now,
	// so the sweep is put off by another grace period. Negative: "the last second".
	RetryOffset time.Duration
	// ShutdownTimeout: after SIGTERM/SIGINT, how long to wait for connected
	// clients to leave before sweeping anyway.
	ShutdownTimeout time.Duration
	// Port is the TCP port clients connect to (testcontainers maps 8080).
	Port int
	// Verbose logs every Docker call and filter match.
	Verbose bool
	// DockerHost is where the Engine API is: unix:///path or tcp://host:port.
	DockerHost string
	// APIVersion is the Engine API version used in every path.
	APIVersion string
}

// LoadConfig reads the configuration through getenv, applying Ryuk's defaults.
// Every malformed value is reported at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []string
	duration := func(name string, def time.Duration) time.Duration {
		d, err := parseDuration(getenv(name), def)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
		}
		return d
	}
	integer := func(name string, def, min int) int {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			errs = append(errs, fmt.Sprintf("%s: %q is not a whole number >= %d", name, v, min))
			return def
		}
		return n
	}
	cfg := Config{
		ConnectionTimeout:   duration("RYUK_CONNECTION_TIMEOUT", 60*time.Second),
		ReconnectionTimeout: duration("RYUK_RECONNECTION_TIMEOUT", 10*time.Second),
		RequestTimeout:      duration("RYUK_REQUEST_TIMEOUT", 10*time.Second),
		RemoveRetries:       integer("RYUK_REMOVE_RETRIES", 10, 1),
		RetryOffset:         duration("RYUK_RETRY_OFFSET", -time.Second),
		ShutdownTimeout:     duration("RYUK_SHUTDOWN_TIMEOUT", 10*time.Minute),
		Port:                integer("RYUK_PORT", 8080, 0),
		DockerHost:          orDefault(getenv("DOCKER_HOST"), "unix:///var/run/docker.sock"),
		APIVersion:          orDefault(getenv("DOCKER_API_VERSION"), "1.41"),
	}
	if cfg.Port > 65535 {
		errs = append(errs, fmt.Sprintf("RYUK_PORT: %d is not a TCP port", cfg.Port))
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("RYUK_VERBOSE"))); v {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		cfg.Verbose = true
	default:
		errs = append(errs, fmt.Sprintf("RYUK_VERBOSE: %q is not true or false", v))
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("bad configuration: %s", strings.Join(errs, "; "))
	}
	return cfg, nil
}

// parseDuration accepts Go durations ("10s", "1m30s") as Ryuk does, and also a
// bare number of seconds ("10"), which is what people tend to write.
func parseDuration(v string, def time.Duration) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("%q is not a duration like 10s or 1m", v)
	}
	return d, nil
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}
