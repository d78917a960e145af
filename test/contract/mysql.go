package contract

import (
	"github.com/aimodels/aimodels/test/testenv"

	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// MySQLEnv names the environment variable holding the MySQL DSN for tests.
const MySQLEnv = "AIMODELS_TEST_MYSQL_DSN"

// SkipWithoutMySQL skips the test, naming the variable, when
// $AIMODELS_TEST_MYSQL_DSN is unset.
func SkipWithoutMySQL(t testing.TB) {
	t.Helper()
	if os.Getenv(MySQLEnv) == "" {
		testenv.Missing(t, "MySQL tests need "+MySQLEnv+" (e.g. root@tcp(127.0.0.1:3306)/aimodels_test?parseTime=true&loc=UTC&charset=utf8mb4)")
	}
}

// FreshMySQL creates a uniquely named database on the server of
// $AIMODELS_TEST_MYSQL_DSN, drops it when the test ends, and returns a DSN
// for it. It skips the test when the variable is unset.
func FreshMySQL(t testing.TB) string {
	t.Helper()
	SkipWithoutMySQL(t)
	dsn := os.Getenv(MySQLEnv)
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "aimodels_t_" + hex.EncodeToString(b[:])
	admin := cfg.Clone()
	admin.DBName = ""
	conn, err := gomysql.NewConnector(admin)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		_ = db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// Tests that stop a server do it to a private one (test/mariadbtest),
		// never to this one.
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		_ = db.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}
