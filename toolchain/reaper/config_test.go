package main

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaultsAreRyuks(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ConnectionTimeout: time.Minute, ReconnectionTimeout: 10 * time.Second, RequestTimeout: 10 * time.Second,
		RemoveRetries: 10, RetryOffset: -time.Second, ShutdownTimeout: 10 * time.Minute, Port: 8080,
		DockerHost: "unix:///var/run/docker.sock", APIVersion: "1.41"}
	if cfg != want {
		t.Fatalf("got %+v\nwant %+v", cfg, want)
	}
}

func TestConfigReadsWhatTestcontainersPasses(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{"RYUK_RECONNECTION_TIMEOUT": "2s", "RYUK_VERBOSE": "true", "RYUK_CONNECTION_TIMEOUT": "90"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ReconnectionTimeout != 2*time.Second || !cfg.Verbose || cfg.ConnectionTimeout != 90*time.Second {
		t.Fatalf("got %+v", cfg)
	}
}

func TestConfigReportsEveryBadValueAtOnce(t *testing.T) {
	_, err := LoadConfig(env(map[string]string{"RYUK_RECONNECTION_TIMEOUT": "soon", "RYUK_PORT": "70000", "RYUK_VERBOSE": "maybe", "RYUK_REMOVE_RETRIES": "0"}))
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, name := range []string{"RYUK_RECONNECTION_TIMEOUT", "RYUK_PORT", "RYUK_VERBOSE", "RYUK_REMOVE_RETRIES"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}
