package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Reaper serves the Ryuk protocol: clients connect over TCP and send filter
// lines (each answered "ACK\n"); the connection stays open for as long as the
// client lives. When no client has been connected for the grace period
// (ReconnectionTimeout), everything the filters match is removed and Serve returns.
type Reaper struct {
	Config  Config
	Sweeper *Sweeper
	Log     *Logger
	// Now is the clock the "created during the sweep" check reads.
	Now func() time.Time

	filters Filters
	events  chan event
	done    chan struct{}
	connsMu sync.Mutex
	conns   map[net.Conn]bool
}

// event is a client arriving or leaving.
type event struct {
	addr   string
	joined bool
	// counted is closed once the main loop has counted (and logged) an
	// arrival, so the client's filters are logged after it.
	counted chan struct{}
}

func NewReaper(cfg Config, engine Engine, log *Logger) *Reaper {
	return &Reaper{Config: cfg, Log: log, Now: time.Now, Sweeper: &Sweeper{Engine: engine, Config: cfg, Log: log, Pause: time.Second}}
}

// Serve accepts clients on ln until a sweep has run, then closes ln and every
// connection. It returns an error when the sweep could not remove everything.
func (r *Reaper) Serve(ctx context.Context, ln net.Listener) error {
	r.events = make(chan event)
	r.done = make(chan struct{})
	r.conns = map[net.Conn]bool{}
	defer r.closeAll(ln)
	go r.accept(ln)

	clients := 0
	everConnected := false
	signalled := false
	stop := ctx.Done()
	timer := time.NewTimer(r.Config.ConnectionTimeout)
	defer timer.Stop()

	apply := func(e event) {
		if e.joined {
			clients++
			everConnected = true
			stopTimer(timer)
			r.Log.Printf("client %s connected (%d connected)", e.addr, clients)
			close(e.counted)
			return
		}
		clients--
		r.Log.Printf("client %s disconnected (%d connected)", e.addr, clients)
		if clients > 0 {
			return
		}
		if signalled {
			resetTimer(timer, 0)
			return
		}
		r.Log.Printf("no client connected: sweeping in %s unless one connects", r.Config.ReconnectionTimeout)
		resetTimer(timer, r.Config.ReconnectionTimeout)
	}

	for {
		select {
		case e := <-r.events:
			apply(e)
		case <-stop:
			stop, signalled = nil, true
			if clients == 0 {
				r.Log.Printf("signal received: sweeping now")
				resetTimer(timer, 0)
			} else {
				r.Log.Printf("signal received: sweeping when the %d connected client(s) leave, or in %s", clients, r.Config.ShutdownTimeout)
				resetTimer(timer, r.Config.ShutdownTimeout)
			}
		case <-timer.C:
			filters := r.filters.All()
			if len(filters) == 0 {
				if everConnected || signalled {
					r.Log.Printf("no filter was registered: nothing to remove, exiting")
				} else {
					r.Log.Printf("no client connected within %s: exiting", r.Config.ConnectionTimeout)
				}
				return nil
			}
			if clients > 0 {
				r.Log.Printf("shutdown timeout: sweeping with %d client(s) still connected", clients)
			}
			found, err := r.Sweeper.Find(filters, r.Now().Add(r.Config.RetryOffset))
			var recent *RecentError
			if errors.As(err, &recent) {
				r.Log.Printf("sweep put off by %s: %v", r.Config.ReconnectionTimeout, err)
				resetTimer(timer, r.Config.ReconnectionTimeout)
				continue
			}
			if err != nil {
				return fmt.Errorf("sweep: %w", err)
			}
			r.Log.Printf("sweeping what %d filter(s) match: %d containers, %d networks, %d volumes, %d images",
				len(filters), len(found["container"]), len(found["network"]), len(found["volume"]), len(found["image"]))
			summary := r.Sweeper.Remove(found)
			r.Log.Printf("swept: %s", summary)
			// Clients that connected while the sweep ran were held at the door
			// (the accept loop waits for us); let them in and keep serving them.
			for drained := false; !drained; {
				select {
				case e := <-r.events:
					apply(e)
				default:
					drained = true
				}
			}
			if clients > 0 && !signalled {
				r.Log.Printf("%d client(s) connected during the sweep: staying up for them", clients)
				continue
			}
			if len(summary.Left) > 0 {
				return fmt.Errorf("could not remove %d resource(s)", len(summary.Left))
			}
			return nil
		}
	}
}

// accept hands each connection to handle once the main loop has counted it.
func (r *Reaper) accept(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			r.Log.Printf("accept: %v", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		counted := make(chan struct{})
		select {
		case r.events <- event{addr: conn.RemoteAddr().String(), joined: true, counted: counted}:
			<-counted
			r.track(conn, true)
			go r.handle(conn)
		case <-r.done:
			// Exiting: closed without an ACK, so a client that checks for
			// one knows to start a new reaper.
			conn.Close()
			return
		}
	}
}

// handle reads filter lines until the client goes away.
func (r *Reaper) handle(conn net.Conn) {
	addr := conn.RemoteAddr().String()
	defer func() {
		conn.Close()
		r.track(conn, false)
		select {
		case r.events <- event{addr: addr}:
		case <-r.done:
		}
	}()
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if line == "" {
			continue
		}
		reply := "ACK\n"
		if f, err := ParseFilter(line); err != nil {
			r.Log.Printf("refused filter %q from %s: %v", line, addr, err)
			reply = "ERR " + err.Error() + "\n"
		} else if r.filters.Add(f) {
			r.Log.Printf("registered filter %s (from %s)", f, addr)
		} else {
			r.Log.Debugf("filter %s already registered (from %s)", f, addr)
		}
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write([]byte(reply)); err != nil {
			r.Log.Printf("answering %s: %v", addr, err)
		}
	}
	if err := lines.Err(); err != nil && !errors.Is(err, net.ErrClosed) {
		r.Log.Debugf("reading from %s: %v", addr, err)
	}
}

func (r *Reaper) track(conn net.Conn, open bool) {
	r.connsMu.Lock()
	defer r.connsMu.Unlock()
	if open {
		r.conns[conn] = true
	} else {
		delete(r.conns, conn)
	}
}

func (r *Reaper) closeAll(ln net.Listener) {
	close(r.done)
	ln.Close()
	r.connsMu.Lock()
	defer r.connsMu.Unlock()
	for c := range r.conns {
		c.Close()
	}
}

// stopTimer stops t and empties its channel, so a later Reset starts clean.
func stopTimer(t *time.Timer) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	stopTimer(t)
	t.Reset(d)
}
