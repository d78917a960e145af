package main

import (
	"github.com/aimodels/aimodels/test/testenv"

	"strings"
	"testing"
	"time"
)

func TestLogWriterFlushesOnTickAndClose(t *testing.T) {
	var out testenv.SyncBuffer
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
