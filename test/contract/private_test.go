package contract_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimodels/aimodels/adapters/gormstore"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/test/contract"
	"github.com/aimodels/aimodels/test/mariadbtest"
)

// The users of the least-privilege tests, with the grants documented on
// gormstore.Config.SkipMigrations.
const (
	appUser      = "app"
	appPassword  = "app-password"
	migrUser     = "migrator"
	migrPassword = "migrator-password"
)

// TestPrivateMariaDB runs the tests that change a MariaDB server's users,
// global state or life (privileges, read_only, a restart and a kill -9
// under writes) on a private server of their own (test/mariadbtest),
// which its subtests share, one after the other. It needs mariadbd and
// mariadb-install-db, not AIMODELS_TEST_MYSQL_DSN.
func TestPrivateMariaDB(t *testing.T) {
	srv := mariadbtest.Start(t, mariadbtest.Options{})
	srv.Exec(t,
		"CREATE USER '"+appUser+"'@'127.0.0.1' IDENTIFIED BY '"+appPassword+"'",
		"CREATE USER '"+migrUser+"'@'127.0.0.1' IDENTIFIED BY '"+migrPassword+"'",
		"CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'reader-password'",
	)
	t.Run("LeastPrivilege", func(t *testing.T) { testLeastPrivilege(t, srv) })
	t.Run("MigrateUser", func(t *testing.T) { testMigrateUser(t, srv) })
	t.Run("NoPrivilege", func(t *testing.T) { testNoPrivilege(t, srv) })
	t.Run("ReadOnly", func(t *testing.T) { testReadOnly(t, srv) })
	t.Run("Restart", func(t *testing.T) {
		t.Run("stop", func(t *testing.T) { testRestart(t, srv, srv.Stop) })
		t.Run("kill-9", func(t *testing.T) { testRestart(t, srv, srv.Kill) })
	})
}

// appDatabase creates a database that root migrates and the app user may
// only read and write (the GRANT of gormstore.Config.SkipMigrations), and
// returns its name and root's and the app's configs for it.
func appDatabase(t *testing.T, srv *mariadbtest.Server, migrate bool) (db string, root, app gormstore.Config) {
	t.Helper()
	db = srv.CreateDatabase(t)
	srv.Exec(t, "GRANT SELECT, INSERT, UPDATE, DELETE ON `"+db+"`.* TO '"+appUser+"'@'127.0.0.1'")
	root = gormstore.Config{Driver: gormstore.DriverMySQL, DSN: srv.RootDSN(db)}
	app = gormstore.Config{Driver: gormstore.DriverMySQL, DSN: srv.DSN(appUser, appPassword, db), SkipMigrations: true}
	if migrate {
		if err := gormstore.Migrate(t.Context(), root); err != nil {
			t.Fatalf("Migrate as root: %v", err)
		}
	}
	return db, root, app
}

func openStore(t *testing.T, cfg gormstore.Config) *gormstore.Store {
	t.Helper()
	s, err := gormstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testLeastPrivilege: with the migrations run by root, the whole store
// contract passes through a user with only SELECT, INSERT, UPDATE and
// DELETE (Open with SkipMigrations); Open without SkipMigrations as that
// user fails saying to run `aimodels migrate`; SkipMigrations on a schema
// that lacks a migration fails naming it.
func testLeastPrivilege(t *testing.T, srv *mariadbtest.Server) {
	ctx := t.Context()
	t.Run("OpenMigratingRefused", func(t *testing.T) {
		for _, migrated := range []bool{false, true} {
			_, _, app := appDatabase(t, srv, migrated)
			app.SkipMigrations = false
			s, err := gormstore.Open(ctx, app)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open with migrations as a user without CREATE succeeded (schema migrated before: %v)", migrated)
			}
			if !errors.Is(err, gormstore.ErrNoPrivilege) || !errors.Is(err, domain.ErrStoreUnavailable) ||
				!strings.Contains(err.Error(), "aimodels migrate") || !strings.Contains(err.Error(), "SkipMigrations") {
				t.Fatalf("Open with migrations as the app user (schema migrated before: %v): %v; want ErrNoPrivilege saying to run aimodels migrate and SkipMigrations", migrated, err)
			}
			t.Logf("migrated %v: %v", migrated, err)
		}
	})
	t.Run("SchemaBehind", func(t *testing.T) {
		_, root, app := appDatabase(t, srv, false)
		_, err := gormstore.Open(ctx, app)
		if !errors.Is(err, gormstore.ErrMigrationsPending) || !strings.Contains(err.Error(), "aimodels migrate") {
			t.Fatalf("SkipMigrations on an empty database: %v; want ErrMigrationsPending naming aimodels migrate", err)
		}
		if err := gormstore.Migrate(ctx, root); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, app)
		_ = s.Close()
		// One step missing, as after an upgrade whose migrations were not run.
		rs := openStore(t, root)
		db, _ := rs.DB()
		last := gormstore.LatestVersion()
		if _, err := db.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = ?", last); err != nil {
			t.Fatal(err)
		}
		_, err = gormstore.Open(ctx, app)
		if !errors.Is(err, gormstore.ErrMigrationsPending) || !strings.Contains(err.Error(), fmt.Sprintf("[%d]", last)) {
			t.Fatalf("SkipMigrations on a schema without migration %d: %v", last, err)
		}
		t.Log(err)
	})
	t.Run("Contract", func(t *testing.T) {
		contract.Run(t, func(t *testing.T) contract.Stores {
			_, root, app := appDatabase(t, srv, true)
			s := openStore(t, app)
			st := stores(s)
			// The app user may not migrate: root does, beside it.
			st.Migrate = func(ctx context.Context) error { return gormstore.Migrate(ctx, root) }
			return st
		})
	})
}

// testMigrateUser: a user with the migration grants of
// gormstore.Config.SkipMigrations migrates an empty database, several
// processes of it and of root at once (the migration lock serialises them), and
// the app user can then work through it.
func testMigrateUser(t *testing.T, srv *mariadbtest.Server) {
	ctx := t.Context()
	db, root, app := appDatabase(t, srv, false)
	srv.Exec(t, "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON `"+db+"`.* TO '"+migrUser+"'@'127.0.0.1'")
	migr := gormstore.Config{Driver: gormstore.DriverMySQL, DSN: srv.DSN(migrUser, migrPassword, db)}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		cfg := root
		if i%2 == 1 {
			cfg = migr
		}
		wg.Go(func() { errs <- gormstore.Migrate(ctx, cfg) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	s := openStore(t, app)
	v, err := s.AppliedVersions(ctx)
	if err != nil || len(v) == 0 || v[len(v)-1] != gormstore.LatestVersion() {
		t.Fatalf("versions %v, %v", v, err)
	}
	if err := s.CreatePrompt(ctx, &domain.Prompt{Name: "works", Type: domain.TypeText, Text: "t"}); err != nil {
		t.Fatal(err)
	}
}

// testNoPrivilege: a write refused by the database's privileges is
// ErrStoreUnavailable (503 store_unavailable, not 500) with ErrNoPrivilege
// and a message naming the GRANT; Ping, which cannot fix privileges by
// waiting, is not made to fail by it.
func testNoPrivilege(t *testing.T, srv *mariadbtest.Server) {
	ctx := t.Context()
	db, _, _ := appDatabase(t, srv, true)
	srv.Exec(t, "GRANT SELECT ON `"+db+"`.* TO 'reader'@'127.0.0.1'")
	s := openStore(t, gormstore.Config{Driver: gormstore.DriverMySQL, DSN: srv.DSN("reader", "reader-password", db), SkipMigrations: true})
	if _, err := s.ListPrompts(ctx, "", domain.PromptQuery{}); err != nil {
		t.Fatalf("read with SELECT: %v", err)
	}
	err := s.CreatePrompt(ctx, &domain.Prompt{Name: "refused", Type: domain.TypeText, Text: "t"})
	var se *domain.StoreError
	if !errors.As(err, &se) || !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, gormstore.ErrNoPrivilege) ||
		!strings.Contains(err.Error(), "GRANT") || !strings.Contains(err.Error(), "INSERT") {
		t.Fatalf("write without INSERT: %v; want a *domain.StoreError, ErrStoreUnavailable, ErrNoPrivilege and the GRANT to give", err)
	}
	t.Log(err)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after a privilege refusal: %v", err)
	}
}

// testReadOnly: with the server read-only (SET GLOBAL read_only=1; the
// app user has no READ ONLY ADMIN), a write is ErrStoreUnavailable with
// ErrReadOnly and Ping fails; once writable again Ping recovers after the
// write-fault hold, and writes work.
func testReadOnly(t *testing.T, srv *mariadbtest.Server) {
	ctx := t.Context()
	_, _, app := appDatabase(t, srv, true)
	const hold = 300 * time.Millisecond
	app.WriteFaultHold = hold
	s := openStore(t, app)
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Exec(t, "SET GLOBAL read_only = 1")
	t.Cleanup(func() { srv.Exec(t, "SET GLOBAL read_only = 0") })
	err := s.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "a/b"})
	if !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, gormstore.ErrReadOnly) || !strings.Contains(err.Error(), "read_only=0") {
		t.Fatalf("write to a read-only server: %v; want ErrStoreUnavailable, ErrReadOnly and what to do", err)
	}
	t.Log(err)
	if err := s.Ping(ctx); !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, gormstore.ErrReadOnly) {
		t.Fatalf("Ping of a read-only server = %v, want ErrStoreUnavailable (ErrReadOnly)", err)
	}
	// Ping sees read_only itself, not only through the remembered write.
	fresh := openStore(t, app)
	if err := fresh.Ping(ctx); !errors.Is(err, gormstore.ErrReadOnly) {
		t.Fatalf("Ping of a read-only server by a store that wrote nothing = %v, want ErrReadOnly", err)
	}
	srv.Exec(t, "SET GLOBAL read_only = 0")
	begin := time.Now()
	deadline := begin.Add(hold + 10*time.Second)
	for {
		err := s.Ping(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping still fails after read_only=0: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polling; the deadline bounds it
	}
	if err := s.SaveSelection(ctx, &domain.SavedSelection{Type: domain.TypeText, ModelID: "a/b"}); err != nil {
		t.Fatalf("write after read_only=0: %v", err)
	}
}

// testRestart stops the private server with down (Stop: a clean shutdown;
// Kill: kill -9) while a loop of writes runs, and starts it again: the
// writes fail only with ErrStoreUnavailable while it is down, Ping says
// so, the store recovers without being reopened, and every write that
// succeeded is there.
func testRestart(t *testing.T, srv *mariadbtest.Server, down func() error) {
	db := srv.CreateDatabase(t)
	s := openStore(t, gormstore.Config{Driver: gormstore.DriverMySQL, DSN: srv.RootDSN(db)})
	ctx := t.Context()

	var (
		mu        sync.Mutex
		changed   = make(chan struct{}, 1)
		succeeded []string
		failures  []error
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopWriter := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriter)
	wg.Go(func() {
		pace := time.NewTicker(5 * time.Millisecond)
		defer pace.Stop()
		for i := 0; ; i++ {
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
			select {
			case changed <- struct{}{}:
			default:
			}
			select {
			case <-stop:
				return
			case <-pace.C:
			}
		}
	})
	// waitFor waits until cond (called with mu held) holds, woken by each write.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.NewTimer(30 * time.Second)
		defer deadline.Stop()
		for {
			mu.Lock()
			ok := cond()
			n, f := len(succeeded), len(failures)
			mu.Unlock()
			if ok {
				return
			}
			select {
			case <-changed:
			case <-deadline.C:
				t.Fatalf("no %s within 30 s (%d writes succeeded, %d failed)", what, n, f)
			}
		}
	}

	waitFor("20 writes before the outage", func() bool { return len(succeeded) >= 20 })
	if err := down(); err != nil {
		t.Fatal(err)
	}
	var failedBefore int
	mu.Lock()
	failedBefore = len(failures)
	mu.Unlock()
	waitFor("failed write while the server is down", func() bool { return len(failures) > failedBefore })
	if err := s.Ping(ctx); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Errorf("Ping while down = %v, want ErrStoreUnavailable", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var before int
	mu.Lock()
	before = len(succeeded)
	mu.Unlock()
	waitFor("20 writes after the restart", func() bool { return len(succeeded) >= before+20 })
	stopWriter()

	for _, err := range failures {
		if !errors.Is(err, domain.ErrStoreUnavailable) {
			t.Errorf("untyped failure while down: %v", err)
		}
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

// TestMariaDBStorageFull fills a private server's InnoDB system
// tablespace (no file per table, capped at 24 MB: the "table is full"
// error 1114 a full disk gives too): the write is ErrStoreUnavailable
// with ErrStorageFull and a message saying to free space, and Ping fails
// for the write-fault hold afterwards, then recovers.
func TestMariaDBStorageFull(t *testing.T) {
	srv := mariadbtest.Start(t, mariadbtest.Options{Args: []string{
		"--innodb-file-per-table=0",
		"--innodb-data-file-path=ibdata1:12M:autoextend:max:24M",
	}})
	db := srv.CreateDatabase(t)
	const hold = 300 * time.Millisecond
	s := openStore(t, gormstore.Config{Driver: gormstore.DriverMySQL, DSN: srv.RootDSN(db), WriteFaultHold: hold})
	ctx := t.Context()
	big := strings.Repeat("full ", 200_000) // 1 MB
	var err error
	var begin time.Time // when the failing write started: the store noted the fault after it
	for i := 0; i < 40 && err == nil; i++ {
		begin = time.Now()
		err = s.CreatePrompt(ctx, &domain.Prompt{Name: fmt.Sprintf("p%02d", i), Type: domain.TypeText, Text: big})
	}
	if err == nil {
		t.Fatal("40 MB written into a tablespace capped at 24 MB")
	}
	if !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, gormstore.ErrStorageFull) || !strings.Contains(err.Error(), "free disk space") {
		t.Fatalf("write to a full tablespace: %v; want ErrStoreUnavailable, ErrStorageFull and what to do", err)
	}
	t.Log(err)
	if err := s.Ping(ctx); !errors.Is(err, domain.ErrStoreUnavailable) || !errors.Is(err, gormstore.ErrStorageFull) {
		t.Fatalf("Ping after a storage-full write = %v, want ErrStoreUnavailable (ErrStorageFull)", err)
	}
	deadline := begin.Add(hold + 10*time.Second)
	for s.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("Ping still fails %v after the write", time.Since(begin))
		}
		time.Sleep(10 * time.Millisecond) // polling; the deadline bounds it
	}
	if d := time.Since(begin); d < hold {
		t.Fatalf("Ping recovered %v after the write, before the hold of %v", d, hold)
	}
}
