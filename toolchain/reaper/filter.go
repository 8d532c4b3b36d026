package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Filter is one line a client registered: Docker list filters, e.g.
// {"label": ["org.testcontainers.session-id=1234"]}. Everything matching ALL of
// its terms is removed at the sweep (Docker ANDs the terms of one filter).
type Filter map[string][]string

// ParseFilter reads one protocol line. The line is a URL query string, as with
// Ryuk: testcontainers-node writes `label=key=value`, other clients write
// `label=key%3Dvalue&label=other%3Dvalue`. A filter with no terms, or with an
// empty term, would match every resource on the engine, so it is refused.
func ParseFilter(line string) (Filter, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, errors.New("empty filter")
	}
	q, err := url.ParseQuery(line)
	if err != nil {
		return nil, fmt.Errorf("not a query string: %v", err)
	}
	f := Filter{}
	for key, values := range q {
		if strings.TrimSpace(key) == "" {
			return nil, errors.New("a term without a name")
		}
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("%s has an empty value (it would match everything)", key)
			}
			f[key] = append(f[key], v)
		}
	}
	if len(f) == 0 {
		return nil, errors.New("no terms")
	}
	for k := range f {
		sort.Strings(f[k])
	}
	return f, nil
}

// Key is the filter in a canonical form, so the same filter sent twice (by
// several processes sharing one session) is kept once.
func (f Filter) Key() string {
	return string(f.dockerJSON())
}

// dockerJSON is the Engine API's `filters` parameter: {"label":{"k=v":true}}.
func (f Filter) dockerJSON() []byte {
	m := make(map[string]map[string]bool, len(f))
	for k, vs := range f {
		m[k] = make(map[string]bool, len(vs))
		for _, v := range vs {
			m[k][v] = true
		}
	}
	b, _ := json.Marshal(m) // map keys are sorted by encoding/json
	return b
}

func (f Filter) String() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range f[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " & ")
}

// Filters is the set of filters registered so far, safe for concurrent use.
type Filters struct {
	mu   sync.Mutex
	byID map[string]Filter
}

// Add registers f and reports whether it was new.
func (s *Filters) Add(f Filter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = map[string]Filter{}
	}
	if _, ok := s.byID[f.Key()]; ok {
		return false
	}
	s.byID[f.Key()] = f
	return true
}

// All returns the registered filters in a stable order.
func (s *Filters) All() []Filter {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.byID))
	for k := range s.byID {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Filter, 0, len(keys))
	for _, k := range keys {
		out = append(out, s.byID[k])
	}
	return out
}
