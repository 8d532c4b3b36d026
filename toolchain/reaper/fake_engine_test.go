package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEngine is a small stand-in for the Docker Engine API, served on a unix
// socket so the reaper's real HTTP client is under test too. It keeps the
// engine rules a sweep depends on: a namespace owner cannot go while a
// container shares it, a network cannot go while a container is attached.
type fakeEngine struct {
	t       *testing.T
	mu      sync.Mutex
	items   map[string]*fakeItem // "kind/id"
	deleted []string             // "kind/id", in order
	// refuse makes the next n removals of "kind/id" answer 409.
	refuse map[string]int
	// onDelete runs (unlocked) before a removal is answered.
	onDelete func(kind, id string)
	host     string // unix://...
}

type fakeItem struct {
	Resource
	network string // containers: the network they are attached to
}

func newFakeEngine(t *testing.T) *fakeEngine {
	f := &fakeEngine{t: t, items: map[string]*fakeItem{}, refuse: map[string]int{}}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(f.serve)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	f.host = "unix://" + sock
	return f
}

func (f *fakeEngine) engine() Engine {
	e, err := NewEngine(f.host, "1.41")
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// add puts a resource on the fake engine; labels as "k=v" pairs.
func (f *fakeEngine) add(kind, id string, created time.Time, labels ...string) *fakeItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	it := &fakeItem{Resource: Resource{Kind: kind, ID: id, Name: id, Labels: map[string]string{}, Created: created}}
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		it.Labels[k] = v
	}
	f.items[kind+"/"+id] = it
	return it
}

func (f *fakeEngine) exists(kind, id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[kind+"/"+id] != nil
}

func (f *fakeEngine) deletions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.deleted...)
}

func (f *fakeEngine) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/v1.41")
	if !ok {
		http.Error(w, `{"message":"no API version in path"}`, http.StatusBadRequest)
		return
	}
	if path == "/_ping" {
		w.Write([]byte("OK"))
		return
	}
	if r.Method == http.MethodGet {
		f.list(w, r, path)
		return
	}
	if r.Method == http.MethodDelete {
		f.remove(w, r, path)
		return
	}
	http.Error(w, `{"message":"unexpected call"}`, http.StatusBadRequest)
}

func (f *fakeEngine) list(w http.ResponseWriter, r *http.Request, path string) {
	kind := map[string]string{"/containers/json": "container", "/networks": "network", "/volumes": "volume", "/images/json": "image"}[path]
	if kind == "" {
		http.Error(w, `{"message":"unknown path"}`, http.StatusNotFound)
		return
	}
	var filters map[string]map[string]bool
	if err := json.Unmarshal([]byte(r.URL.Query().Get("filters")), &filters); err != nil {
		http.Error(w, `{"message":"bad filters"}`, http.StatusBadRequest)
		return
	}
	if kind == "container" && r.URL.Query().Get("all") != "1" {
		http.Error(w, `{"message":"expected all=1"}`, http.StatusBadRequest)
		return
	}
	if _, ok := filters["name"]; ok && kind == "image" {
		http.Error(w, `{"message":"invalid filter 'name'"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	var matched []*fakeItem
	for _, it := range f.items {
		if it.Kind == kind && matches(it, filters) {
			matched = append(matched, it)
		}
	}
	f.mu.Unlock()
	sort.Slice(matched, func(i, j int) bool { return matched[i].ID < matched[j].ID })
	var out any
	switch kind {
	case "container":
		list := []map[string]any{}
		for _, it := range matched {
			mode := "default"
			if it.SharesNamespaceOf != "" {
				mode = "container:" + it.SharesNamespaceOf
			}
			list = append(list, map[string]any{"Id": it.ID, "Names": []string{"/" + it.Name}, "Image": "meshwright/workload:0.2.0",
				"Labels": it.Labels, "Created": it.Created.Unix(), "HostConfig": map[string]string{"NetworkMode": mode}})
		}
		out = list
	case "network":
		list := []map[string]any{}
		for _, it := range matched {
			list = append(list, map[string]any{"Id": it.ID, "Name": it.Name, "Labels": it.Labels, "Created": it.Created.Format(time.RFC3339Nano)})
		}
		out = list
	case "volume":
		list := []map[string]any{}
		for _, it := range matched {
			list = append(list, map[string]any{"Name": it.ID, "Labels": it.Labels, "CreatedAt": it.Created.Format(time.RFC3339)})
		}
		out = map[string]any{"Volumes": list, "Warnings": nil}
	case "image":
		list := []map[string]any{}
		for _, it := range matched {
			list = append(list, map[string]any{"Id": it.ID, "RepoTags": []string{it.Name}, "Labels": it.Labels, "Created": it.Created.Unix()})
		}
		out = list
	}
	json.NewEncoder(w).Encode(out)
}

// matches applies the two filter keys the tests use: label (k or k=v) and name.
func matches(it *fakeItem, filters map[string]map[string]bool) bool {
	for key, terms := range filters {
		for term := range terms {
			switch key {
			case "label":
				k, v, hasValue := strings.Cut(term, "=")
				got, ok := it.Labels[k]
				if !ok || (hasValue && got != v) {
					return false
				}
			case "name":
				if it.Name != term {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

func (f *fakeEngine) remove(w http.ResponseWriter, r *http.Request, path string) {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)
	kind := strings.TrimSuffix(parts[0], "s")
	id := parts[1]
	if f.onDelete != nil {
		f.onDelete(kind, id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := kind + "/" + id
	it := f.items[key]
	if it == nil {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"message":"No such %s: %s"}`, kind, id)
		return
	}
	if f.refuse[key] > 0 {
		f.refuse[key]--
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, `{"message":"%s %s is busy"}`, kind, id)
		return
	}
	for _, other := range f.items {
		busy := (kind == "container" && other.Kind == "container" && other.SharesNamespaceOf == id) ||
			(kind == "network" && other.Kind == "container" && other.network == id)
		if busy {
			w.WriteHeader(http.StatusConflict)
			fmt.Fprintf(w, `{"message":"%s %s is in use by container %s"}`, kind, id, other.ID)
			return
		}
	}
	if kind == "container" && (r.URL.Query().Get("force") != "1" || r.URL.Query().Get("v") != "1") {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"message":"expected force=1&v=1"}`)
		return
	}
	delete(f.items, key)
	f.deleted = append(f.deleted, key)
	w.WriteHeader(http.StatusNoContent)
}
