package main

import (
	"fmt"
	"io"
	"log"
	"strings"
)

// Logger writes one line per event to the container's stdout, where
// `docker logs` shows it. Debug lines appear only with RYUK_VERBOSE.
type Logger struct {
	out     *log.Logger
	verbose bool
}

func NewLogger(w io.Writer, verbose bool) *Logger {
	return &Logger{out: log.New(w, "", log.Ldate|log.Ltime|log.Lmicroseconds|log.LUTC), verbose: verbose}
}

func (l *Logger) Printf(format string, args ...any) { l.out.Printf(format, args...) }

func (l *Logger) Debugf(format string, args ...any) {
	if l.verbose {
		l.out.Printf("debug: "+format, args...)
	}
}

// describe names a resource the way a person looks for it in `docker ps`.
func describe(r Resource) string {
	id := strings.TrimPrefix(r.ID, "sha256:")
	if len(id) > 12 && r.Kind != "volume" {
		id = id[:12]
	}
	s := fmt.Sprintf("%s %s", r.Kind, id)
	if r.Name != "" && r.Name != r.ID {
		s += " " + r.Name
	}
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}
