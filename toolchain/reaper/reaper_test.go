package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

const session = "org.testcontainers.session-id=8d1f"

// syncBuffer collects the reaper's log lines for assertions.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	addr string
	done chan error
	logs *syncBuffer
	r    *Reaper
}

// startReaper serves the protocol on a loopback port with short timeouts.
func startReaper(t *testing.T, f *fakeEngine, grace time.Duration, tweak ...func(*Config)) *running {
	t.Helper()
	cfg, _ := LoadConfig(env(nil))
	cfg.ReconnectionTimeout = grace
	cfg.ConnectionTimeout = 5 * time.Second
	cfg.RequestTimeout = 2 * time.Second
	cfg.RemoveRetries = 5
	for _, f := range tweak {
		f(&cfg)
	}
	logs := &syncBuffer{}
	r := NewReaper(cfg, f.engine(), NewLogger(logs, true))
	r.Sweeper.Pause = 20 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	run := &running{addr: ln.Addr().String(), done: make(chan error, 1), logs: logs, r: r}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("reaper log:\n%s", logs)
		}
	})
	go func() { run.done <- r.Serve(ctx, ln) }()
	return run
}

// client connects and registers each filter line, checking the answer.
func (run *running) client(t *testing.T, lines ...string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", run.addr)
	if err != nil {
		t.Fatal(err)
	}
	answers := bufio.NewReader(conn)
	for _, l := range lines {
		if _, err := conn.Write([]byte(l + "\r\n")); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		got, err := answers.ReadString('\n')
		if err != nil || got != "ACK\n" {
			t.Fatalf("answer to %q: %q, %v; want ACK", l, got, err)
		}
	}
	return conn
}

func (run *running) waitDone(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-run.done:
		return err
	case <-time.After(within):
		t.Fatalf("reaper still running after %s", within)
		return nil
	}
}

func (run *running) stillRunning(t *testing.T, for_ time.Duration) {
	t.Helper()
	select {
	case err := <-run.done:
		t.Fatalf("reaper returned (%v) while it should still serve", err)
	case <-time.After(for_):
	}
}

// A session: two containers (one in the other's network namespace), the
// network they are on, a volume, an image, and the reaper's own container,
// which carries the session label too.
func sessionOnEngine(f *fakeEngine) {
	old := time.Now().Add(-time.Minute)
	f.add("container", "app", old, session).network = "net"
	f.add("container", "sidecar", old, session).SharesNamespaceOf = "app"
	f.add("container", "reaper", old, session, ReaperLabel+"=true")
	f.add("container", "someone-else", old, "org.testcontainers.session-id=other")
	f.add("network", "net", old, session)
	f.add("volume", "data", old, session)
	f.add("image", "sha256:built", old, session)
}

func TestSweepsTheSessionAfterTheGracePeriod(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	grace := 300 * time.Millisecond
	run := startReaper(t, f, grace)
	conn := run.client(t, "label="+session, "label="+session)
	conn.Close()
	left := time.Now()

	time.Sleep(grace / 2)
	if d := f.deletions(); len(d) > 0 {
		t.Fatalf("removed %v before the grace period ended", d)
	}
	if err := run.waitDone(t, grace+3*time.Second); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(left); waited < grace {
		t.Fatalf("swept after %s, before the %s grace period", waited, grace)
	}
	want := []string{"container/sidecar", "container/app", "network/net", "volume/data", "image/sha256:built"}
	if got := f.deletions(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("removed %v, want %v (namespace sharer first, then its owner, network, volume, image)", got, want)
	}
	if !f.exists("container", "reaper") || !f.exists("container", "someone-else") {
		t.Fatal("removed a reaper or another session's container")
	}
	for _, line := range []string{"registered filter label=" + session, "removed container sidecar", "removed network net", "swept: 2 containers, 1 networks, 1 volumes, 1 images"} {
		if !strings.Contains(run.logs.String(), line) {
			t.Errorf("log lacks %q", line)
		}
	}
}

func TestAClientBackWithinTheGracePeriodKeepsEverything(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	grace := 300 * time.Millisecond
	run := startReaper(t, f, grace)
	run.client(t, "label="+session).Close()
	time.Sleep(grace / 3)
	back := run.client(t, "label="+session)
	run.stillRunning(t, 2*grace)
	if d := f.deletions(); len(d) > 0 {
		t.Fatalf("removed %v while a client was connected", d)
	}
	back.Close()
	if err := run.waitDone(t, grace+3*time.Second); err != nil {
		t.Fatal(err)
	}
	if f.exists("container", "app") {
		t.Fatal("not swept after the last client left")
	}
}

// testcontainers processes share one reaper (and one session): cleaning up
// while any of them is connected would pull containers from under it.
func TestSweepsOnlyWhenEveryClientHasLeft(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	grace := 200 * time.Millisecond
	run := startReaper(t, f, grace)
	first := run.client(t, "label="+session)
	second := run.client(t, "label="+session)
	first.Close()
	run.stillRunning(t, 3*grace)
	if d := f.deletions(); len(d) > 0 {
		t.Fatalf("removed %v while a client was connected", d)
	}
	second.Close()
	if err := run.waitDone(t, grace+3*time.Second); err != nil {
		t.Fatal(err)
	}
	if f.exists("container", "app") {
		t.Fatal("not swept after the last client left")
	}
}

func TestExitsWhenNoClientEverConnects(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	run := startReaper(t, f, time.Second, func(c *Config) { c.ConnectionTimeout = 200 * time.Millisecond })
	if err := run.waitDone(t, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := f.deletions(); len(d) > 0 {
		t.Fatalf("removed %v with no filter registered", d)
	}
	if !strings.Contains(run.logs.String(), "no client connected within 200ms") {
		t.Fatalf("log does not say why it exited:\n%s", run.logs)
	}
}

func TestRefusesAFilterThatWouldMatchEverything(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	run := startReaper(t, f, 200*time.Millisecond)
	conn, err := net.Dial("tcp", run.addr)
	if err != nil {
		t.Fatal(err)
	}
	answers := bufio.NewReader(conn)
	conn.Write([]byte("label=\r\n&\n"))
	for i := 0; i < 2; i++ {
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if got, err := answers.ReadString('\n'); err != nil || !strings.HasPrefix(got, "ERR ") {
			t.Fatalf("answer %d: %q, %v; want ERR", i, got, err)
		}
	}
	conn.Close()
	if err := run.waitDone(t, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := f.deletions(); len(d) > 0 {
		t.Fatalf("removed %v", d)
	}
}

// A matching container created during the sweep means some client is starting
// things right now: wait another grace period rather than remove it.
func TestPutsOffTheSweepWhenSomethingWasJustCreated(t *testing.T) {
	f := newFakeEngine(t)
	created := time.Now().Truncate(time.Second)
	f.add("container", "just-made", created, session)
	grace := 200 * time.Millisecond
	run := startReaper(t, f, grace)
	var mu sync.Mutex
	sweeps := 0
	run.r.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		sweeps++
		if sweeps == 1 {
			return created // cut-off a second before creation: "just created"
		}
		return created.Add(5 * time.Second)
	}
	run.client(t, "label="+session).Close()
	if err := run.waitDone(t, 2*grace+3*time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.logs.String(), "sweep put off by 200ms: container just-made") {
		t.Fatalf("the first sweep was not put off:\n%s", run.logs)
	}
	if f.exists("container", "just-made") {
		t.Fatal("not removed by the second sweep")
	}
}

func TestRetriesWhatIsBusyThenGivesUpLoudly(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	f.refuse["network/net"] = 2   // frees up on the third try
	f.refuse["volume/data"] = 100 // never frees up
	run := startReaper(t, f, 100*time.Millisecond, func(c *Config) { c.RemoveRetries = 4 })
	run.client(t, "label="+session).Close()
	err := run.waitDone(t, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "could not remove 1") {
		t.Fatalf("Serve = %v, want it to report the volume it could not remove", err)
	}
	if f.exists("network", "net") || f.exists("image", "sha256:built") {
		t.Fatal("a busy resource stopped the rest of the sweep")
	}
	if !strings.Contains(run.logs.String(), "giving up on volume data after 4 attempts") {
		t.Fatalf("log does not name what was left:\n%s", run.logs)
	}
}

// A client let in while the sweep runs must not find the reaper gone.
func TestAClientArrivingDuringTheSweepKeepsTheReaperUp(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	grace := 200 * time.Millisecond
	run := startReaper(t, f, grace)
	var late net.Conn
	var once sync.Once
	f.onDelete = func(kind, id string) {
		once.Do(func() {
			var err error
			if late, err = net.Dial("tcp", run.addr); err != nil {
				t.Error(err)
				return
			}
			late.Write([]byte("label=" + session + "\r\n"))
			time.Sleep(100 * time.Millisecond) // let the accept loop take it
		})
	}
	run.client(t, "label="+session).Close()
	run.stillRunning(t, 3*grace+time.Second)
	if !strings.Contains(run.logs.String(), "connected during the sweep: staying up") {
		t.Fatalf("log:\n%s", run.logs)
	}
	late.Close()
	if err := run.waitDone(t, grace+3*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestASignalSweepsAtOnceWhenNoClientIsConnected(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	logs := &syncBuffer{}
	cfg, _ := LoadConfig(env(nil))
	r := NewReaper(cfg, f.engine(), NewLogger(logs, false))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, ln) }()
	conn, _ := net.Dial("tcp", ln.Addr().String())
	conn.Write([]byte("label=" + session + "\n"))
	bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	time.Sleep(50 * time.Millisecond)
	cancel() // the 10s grace period has not run out
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("no sweep after the signal:\n%s", logs)
	}
	if f.exists("container", "app") {
		t.Fatal("not swept")
	}
}

// The engine refuses `name` as an image filter; the rest of that filter and
// every other filter are still swept.
func TestAFilterTheEngineRefusesForOneKindDoesNotStopTheSweep(t *testing.T) {
	f := newFakeEngine(t)
	sessionOnEngine(f)
	f.add("container", "doomed", time.Now().Add(-time.Minute))
	run := startReaper(t, f, 100*time.Millisecond)
	run.client(t, "label="+session, "name=doomed").Close()
	if err := run.waitDone(t, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if f.exists("container", "doomed") || f.exists("image", "sha256:built") {
		t.Fatal("a refused image listing stopped the sweep")
	}
	if !strings.Contains(run.logs.String(), "skipping images for filter name=doomed") {
		t.Fatalf("log does not say what was skipped:\n%s", run.logs)
	}
}
