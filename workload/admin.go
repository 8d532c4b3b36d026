package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// State is the per-instance behaviour a test can switch at runtime, e.g. to
// make one replica fail so Envoy's outlier detection ejects it.
type State struct {
	ErrorRate   float64 `json:"errorRate"`   // probability 0..1 of answering ErrorStatus
	ErrorStatus int     `json:"errorStatus"` // status used by ErrorRate
	LatencyMs   int     `json:"latencyMs"`   // fixed delay added to echo and /call/
	Healthy     bool    `json:"healthy"`     // false: /health answers 503 whatever HealthStatus says
	// HealthStatus is what /health answers while Healthy is true. Consul's HTTP
	// check counts 2xx as passing, 429 as warning and anything else as critical.
	HealthStatus int `json:"healthStatus"`
}

// crashExitCode is what /admin/crash exits with: non-zero, so "on-failure" restarts it.
const crashExitCode = 3

func defaultState() State {
	return State{ErrorStatus: http.StatusServiceUnavailable, Healthy: true, HealthStatus: http.StatusOK}
}

const maxLatencyMs = 600000

// stateUpdate uses pointers so a partial body only changes the fields it names.
type stateUpdate struct {
	ErrorRate    *float64 `json:"errorRate"`
	ErrorStatus  *int     `json:"errorStatus"`
	LatencyMs    *int     `json:"latencyMs"`
	Healthy      *bool    `json:"healthy"`
	HealthStatus *int     `json:"healthStatus"`
}

type StateStore struct {
	mu sync.RWMutex
	s  State
}

func NewStateStore() *StateStore { return &StateStore{s: defaultState()} }

func (st *StateStore) Get() State {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.s
}

func (st *StateStore) Reset() State {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s = defaultState()
	return st.s
}

// Apply validates u fully before changing anything, so a bad field never
// leaves the instance half-updated.
func (st *StateStore) Apply(u stateUpdate) (State, error) {
	if u.ErrorRate != nil && (*u.ErrorRate < 0 || *u.ErrorRate > 1) {
		return State{}, fmt.Errorf("errorRate must be between 0 and 1, got %v", *u.ErrorRate)
	}
	if u.ErrorStatus != nil && !validStatus(*u.ErrorStatus) {
		return State{}, fmt.Errorf("errorStatus must be between 200 and 599, got %d", *u.ErrorStatus)
	}
	if u.HealthStatus != nil && !validStatus(*u.HealthStatus) {
		return State{}, fmt.Errorf("healthStatus must be between 200 and 599, got %d", *u.HealthStatus)
	}
	if u.LatencyMs != nil && (*u.LatencyMs < 0 || *u.LatencyMs > maxLatencyMs) {
		return State{}, fmt.Errorf("latencyMs must be between 0 and %d, got %d", maxLatencyMs, *u.LatencyMs)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if u.ErrorRate != nil {
		st.s.ErrorRate = *u.ErrorRate
	}
	if u.ErrorStatus != nil {
		st.s.ErrorStatus = *u.ErrorStatus
	}
	if u.LatencyMs != nil {
		st.s.LatencyMs = *u.LatencyMs
	}
	if u.Healthy != nil {
		st.s.Healthy = *u.Healthy
	}
	if u.HealthStatus != nil {
		st.s.HealthStatus = *u.HealthStatus
	}
	return st.s, nil
}

// handleAdmin serves the admin listener (ADMIN_ADDR). Admin requests bypass
// every fault so a test can always repair an instance it broke.
func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/admin/state":
		if !allowMethods(w, r, http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost) {
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			writeJSON(w, http.StatusOK, s.state.Get())
			return
		}
		u, err := decodeStateUpdate(r.Body)
		if err == nil {
			var st State
			if st, err = s.state.Apply(u); err == nil {
				writeJSON(w, http.StatusOK, st)
				return
			}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error(), "state": s.state.Get()})
	case "/admin/crash":
		// Exits the process as a crash would, so Docker's restart policy applies: Docker
		// treats its own kill or stop as an operator's act and does not restart after it.
		if allowMethods(w, r, http.MethodPost) {
			writeJSON(w, http.StatusAccepted, map[string]any{"crashing": s.cfg.InstanceID, "exitCode": crashExitCode})
			go func() {
				time.Sleep(50 * time.Millisecond)
				os.Exit(crashExitCode)
			}()
		}
	case "/admin/reset":
		if allowMethods(w, r, http.MethodPost, http.MethodPut) {
			writeJSON(w, http.StatusOK, s.state.Reset())
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{
			"error":     fmt.Sprintf("no admin endpoint %s", r.URL.Path),
			"endpoints": []string{"GET /admin/state", "PUT|POST /admin/state", "POST /admin/reset", "POST /admin/crash"},
		})
	}
}

// decodeStateUpdate turns JSON decoding failures into messages that name the
// offending field, since these land verbatim in test failure output.
func decodeStateUpdate(body io.Reader) (stateUpdate, error) {
	var u stateUpdate
	raw, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return u, fmt.Errorf("reading body: %v", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return u, errors.New(`empty body: send a JSON object with any of errorRate, errorStatus, latencyMs, healthy, healthStatus`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return u, fmt.Errorf("%s: expected %s, got JSON %s", te.Field, expectedType(te.Field), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return u, fmt.Errorf("%s (known: errorRate, errorStatus, latencyMs, healthy, healthStatus)", strings.TrimPrefix(err.Error(), "json: "))
		case errors.As(err, &te):
			return u, fmt.Errorf("body must be a JSON object, got JSON %s", te.Value)
		}
		return u, fmt.Errorf("invalid JSON: %v", err)
	}
	if err := dec.Decode(&json.RawMessage{}); err != io.EOF {
		return u, errors.New("invalid JSON: trailing data after the object")
	}
	return u, nil
}

func expectedType(field string) string {
	switch field {
	case "errorRate":
		return "a number 0..1"
	case "healthy":
		return "a boolean"
	}
	return "an integer"
}
