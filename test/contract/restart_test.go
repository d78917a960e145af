package contract_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/contract"
)

// TestMySQLRestart stops and restarts the shared MariaDB server while a
// loop of writes runs. It needs AIMODELS_TEST_MYSQL_DSN and
// AIMODELS_TEST_MYSQL_RESTART=1 (it disturbs every user of the server).
func TestMySQLRestart(t *testing.T) {
	contract.SkipUnlessRestartAllowed(t)
	contract.EnsureMariaDBUp(t)
	s, _ := openMySQL(t)
	ctx := t.Context()

	var (
		mu        sync.Mutex
		succeeded []string
		failures  []error
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			scope := fmt.Sprintf("w-%05d", i)
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := s.SaveSelection(wctx, &domain.SavedSelection{Scope: scope, Type: domain.TypeText, ModelID: "m/" + scope})
			cancel()
			mu.Lock()
			if err == nil {
				succeeded = append(succeeded, scope)
			} else {
				failures = append(failures, err)
			}
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	})

	time.Sleep(500 * time.Millisecond)
	if err := contract.StopMariaDB(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := s.Ping(ctx); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Errorf("Ping while down = %v, want ErrStoreUnavailable", err)
	}
	if err := contract.StartMariaDB(); err != nil {
		t.Fatal(err)
	}
	// Let the writer run against the restarted server.
	deadline := time.Now().Add(15 * time.Second)
	mu.Lock()
	before := len(succeeded)
	mu.Unlock()
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		n := len(succeeded)
		mu.Unlock()
		if n >= before+20 {
			break
		}
	}
	close(stop)
	wg.Wait()

	if len(failures) == 0 {
		t.Error("no write failed while the server was down")
	}
	for _, err := range failures {
		if !errors.Is(err, domain.ErrStoreUnavailable) {
			t.Errorf("untyped failure while down: %v", err)
		}
	}
	if len(succeeded) < before+20 {
		t.Fatalf("store did not recover: %d successes after restart", len(succeeded)-before)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	for _, scope := range succeeded {
		got, err := s.GetSelections(ctx, scope)
		if err != nil || len(got) != 1 || got[0].ModelID != "m/"+scope {
			t.Fatalf("write %s returned success but is missing: %v %v", scope, got, err)
		}
	}
	t.Logf("%d writes succeeded, %d failed with ErrStoreUnavailable while down; all successes present", len(succeeded), len(failures))
}
