package openrouter

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
)

func TestStreamIdleTimeout(t *testing.T) {
	pr, pw := io.Pipe()
	st := NewStream(pr, 1<<20)
	st.idle = 100 * time.Millisecond
	go func() {
		_, _ = pw.Write([]byte("data: {\"n\":1}\n\n"))
		time.Sleep(60 * time.Millisecond)
		_, _ = pw.Write([]byte(": OPENROUTER PROCESSING\n\n")) // a keep-alive resets the wait
		time.Sleep(60 * time.Millisecond)
		_, _ = pw.Write([]byte("data: {\"n\":2}\n\n"))
		// then the upstream stalls
	}()
	for i := 1; i <= 2; i++ {
		if _, err := st.Recv(); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	begin := time.Now()
	_, err := st.Recv()
	if !errors.Is(err, domain.ErrTimeout) {
		t.Fatalf("stalled stream: %v", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Fatalf("the idle bound took %v", took)
	}
	_ = pw.Close()
}
