package main

import (
	"bytes"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// blackHole returns a loopback address whose SYNs go unanswered: a socket
// listening with backlog 0 and one connection already queued, so Linux drops
// further SYNs (the accept queue is full) and a client's connect times out.
func blackHole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skipf("bind: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skipf("listen: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Skipf("getsockname: %v", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	// Fill the accept queue until a connect times out.
	for range 4 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return addr
			}
			t.Skipf("could not make a black hole: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("the kernel kept accepting connections; no black hole")
	return ""
}

func TestDialTimeoutExits28(t *testing.T) {
	addr := blackHole(t)
	var out, errOut bytes.Buffer
	start := time.Now()
	if code := run([]string{"dial", addr, "--timeout-ms", "150"}, noEnv, &out, &errOut); code != 28 {
		t.Errorf("a connect that gets no answer exits 28, got %d %q", code, errOut.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("--timeout-ms 150 took %v", d)
	}
}
