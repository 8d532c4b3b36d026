package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestEngineListsByLabelOverTheUnixSocket(t *testing.T) {
	f := newFakeEngine(t)
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f.add("container", "c1", t0, "s=A")
	f.add("container", "c2", t0, "s=B")
	f.add("network", "n1", t0, "s=A")
	f.add("volume", "v1", t0, "s=A")
	f.add("image", "sha256:i1", t0, "s=A")
	e := f.engine()
	if err := e.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	flt, _ := ParseFilter("label=s=A")
	for _, kind := range Kinds {
		list, err := e.List(context.Background(), kind, flt)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if len(list) != 1 || !list[0].Created.Equal(t0) || list[0].Labels["s"] != "A" {
			t.Fatalf("%s: got %+v", kind, list)
		}
	}
}

func TestEngineRemoveReportsGoneAndBusy(t *testing.T) {
	f := newFakeEngine(t)
	f.add("container", "c1", time.Now())
	f.refuse["container/c1"] = 1
	e := f.engine()
	c := Resource{Kind: "container", ID: "c1"}
	err := e.Remove(context.Background(), c)
	if err == nil || IsNotFound(err) || !strings.Contains(err.Error(), "409") {
		t.Fatalf("first removal: %v, want a 409", err)
	}
	if err := e.Remove(context.Background(), c); err != nil {
		t.Fatalf("second removal: %v", err)
	}
	if err := e.Remove(context.Background(), c); !IsNotFound(err) {
		t.Fatalf("third removal: %v, want not found", err)
	}
}

func TestNewEngineRefusesWhatItCannotSpeak(t *testing.T) {
	for _, host := range []string{"ssh://me@host", "npipe:////./pipe/docker_engine"} {
		if _, err := NewEngine(host, "1.41"); err == nil {
			t.Errorf("%s: expected an error", host)
		}
	}
}
