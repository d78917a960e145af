package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogWriterFlushesOnTickAndClose(t *testing.T) {
	var out lockedBuffer
	lw := newLogWriter(&out, 20*time.Millisecond)
	_, _ = lw.Write([]byte("first\n"))
	if strings.Contains(out.String(), "first") {
		t.Fatal("written through without buffering")
	}
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(out.String(), "first") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "first") {
		t.Fatal("not flushed by the ticker")
	}
	_, _ = lw.Write([]byte("last\n"))
	_ = lw.Close()
	if !strings.HasSuffix(out.String(), "first\nlast\n") {
		t.Fatalf("Close did not flush: %q", out.String())
	}
}
