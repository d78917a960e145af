package e2e

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// dialSmallBuffer connects to addr with a receive buffer of a few
// kilobytes, so that a response the test does not read fills the kernel's
// buffers at once and the server's writes block.
func dialSmallBuffer(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.TCPConn)
}

// dialFrom connects to addr from the local address ip (any 127.x.y.z is
// the loopback on Linux), so one test can be several clients.
func dialFrom(t testing.TB, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ip, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// hostPort is the host:port of a server URL.
func hostPort(url string) string { return strings.TrimPrefix(url, "http://") }

// tcpState is the state of the TCP socket local → remote as
// /proc/net/tcp shows it ("01" established, "04" FIN-WAIT-1, …), or "" when
// there is no such socket.
func tcpState(t testing.TB, local, remote net.Addr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatalf("read /proc/net/tcp: %v", err)
	}
	l, r := procAddr(t, local), procAddr(t, remote)
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == l && f[2] == r {
			return f[3]
		}
	}
	return ""
}

// procAddr writes an IPv4 TCP address the way /proc/net/tcp does:
// the address as a little-endian hex word, a colon, the port in hex.
func procAddr(t testing.TB, a net.Addr) string {
	t.Helper()
	ta, ok := a.(*net.TCPAddr)
	ip4 := ta.IP.To4()
	if !ok || ip4 == nil {
		t.Fatalf("%v is not an IPv4 TCP address", a)
	}
	return strings.ToUpper(hex.EncodeToString([]byte{ip4[3], ip4[2], ip4[1], ip4[0]})) + fmt.Sprintf(":%04X", ta.Port)
}

// needProcNet skips on systems without Linux's /proc/net/tcp.
func needProcNet(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's socket state from Linux's /proc/net/tcp")
	}
}

// waitServerClosed waits until the server's side of the client connection
// c is no longer established (the server closed it) and returns when that
// was seen; it fails the test after within.
func waitServerClosed(t testing.TB, c net.Conn, within time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st := tcpState(t, c.RemoteAddr(), c.LocalAddr())
		if st != "01" {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still holds the connection %v after %v (state %s)", c.LocalAddr(), within, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// healthWatch is another client probing /healthz on its own connections
// while a test holds the server busy: it records the slowest answer.
type healthWatch struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	max  time.Duration
	n    int
	errs []string
}

// watchHealth probes url's /healthz every 50 ms until the returned
// watch is stopped.
func watchHealth(url string) *healthWatch {
	w := &healthWatch{stop: make(chan struct{}), done: make(chan struct{})}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			begin := time.Now()
			resp, err := hc.Get(url + "/healthz")
			took := time.Since(begin)
			w.mu.Lock()
			w.n++
			w.max = max(w.max, took)
			if err != nil {
				w.errs = append(w.errs, err.Error())
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					w.errs = append(w.errs, "status "+strconv.Itoa(resp.StatusCode))
				}
			}
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// check stops the watch and fails t when a probe failed or took longer
// than limit; it logs the slowest one.
func (w *healthWatch) check(t testing.TB, limit time.Duration) {
	t.Helper()
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("/healthz meanwhile: %d probes, slowest %v", w.n, w.max.Round(time.Microsecond))
	if len(w.errs) > 0 {
		t.Errorf("/healthz failed %d times meanwhile: %v", len(w.errs), w.errs[0])
	}
	if w.max > limit {
		t.Errorf("/healthz took up to %v meanwhile, want below %v", w.max, limit)
	}
}

// writeRequest writes the request head of method path with the given
// headers to c.
func writeRequest(t testing.TB, c net.Conn, method, path string, header map[string]string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, c.RemoteAddr())
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	b.Write(body)
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatalf("write request: %v", err)
	}
}
