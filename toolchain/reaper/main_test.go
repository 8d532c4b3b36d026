package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunSaysWhyItCannotStart(t *testing.T) {
	var out bytes.Buffer
	if code := run(env(map[string]string{"RYUK_RECONNECTION_TIMEOUT": "soon"}), &out); code != 2 || !strings.Contains(out.String(), "RYUK_RECONNECTION_TIMEOUT") {
		t.Fatalf("bad config: exit %d, %q", code, out.String())
	}
	out.Reset()
	missing := "unix://" + filepath.Join(t.TempDir(), "no.sock")
	if code := run(env(map[string]string{"DOCKER_HOST": missing}), &out); code != 1 || !strings.Contains(out.String(), "mount its socket") {
		t.Fatalf("no engine: exit %d, %q", code, out.String())
	}
	if strings.Contains(out.String(), "Started") {
		t.Fatal(`printed "Started" (testcontainers' cue to connect) without listening`)
	}
}
