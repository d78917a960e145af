package e2e

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// secretForms returns the byte strings that must never appear anywhere:
// the key, its hex (upper and lower), and the stable middle of its
// standard and URL-safe base64 at each of the three alignments it can
// have inside a longer encoded string (such as "Bearer <key>").
func secretForms(key string) map[string][]byte {
	forms := map[string][]byte{
		"plaintext": []byte(key),
		"hex":       []byte(hex.EncodeToString([]byte(key))),
		"HEX":       []byte(strings.ToUpper(hex.EncodeToString([]byte(key)))),
	}
	encs := map[string]*base64.Encoding{"base64 std": base64.StdEncoding, "base64 url": base64.URLEncoding}
	for name, enc := range encs {
		for off := 0; off < 3; off++ {
			s := enc.EncodeToString(append(make([]byte, off), key...))
			// Characters touched by the prefix or by what follows the
			// key differ with the context; the middle does not.
			lo := 0
			if off > 0 {
				lo = 4
			}
			forms[fmt.Sprintf("%s@%d", name, off)] = []byte(s[lo : len(s)-4])
		}
	}
	return forms
}

// findSecret returns the names of the forms of key found in b.
func findSecret(key string, b []byte) []string {
	var found []string
	for name, f := range secretForms(key) {
		if bytes.Contains(b, f) {
			found = append(found, name)
		}
	}
	return found
}

// assertNoSecret fails when any form of key is in b.
func assertNoSecret(t testing.TB, key, where string, b []byte) {
	t.Helper()
	if found := findSecret(key, b); len(found) > 0 {
		t.Errorf("the API key (%s) is in %s", strings.Join(found, ", "), where)
	}
}

// TestSecretScannerFinds proves the scan is not vacuous: every form is
// found when planted inside other text.
func TestSecretScannerFinds(t *testing.T) {
	key := "sk-or-v1-feedfacecafebeef0123456789"
	plant := map[string][]byte{
		"plaintext":     []byte("log line key=" + key + " end"),
		"std bearer":    []byte(`"` + base64.StdEncoding.EncodeToString([]byte("Bearer "+key)) + `"`),
		"url a:b":       []byte(base64.URLEncoding.EncodeToString([]byte("ab" + key + "zz"))),
		"raw std x":     []byte(base64.RawStdEncoding.EncodeToString([]byte("x" + key))),
		"hex in dump":   []byte("0x00FF" + strings.ToUpper(hex.EncodeToString([]byte(key))) + "00"),
		"hex lowercase": []byte(hex.EncodeToString([]byte("\x01" + key))),
	}
	for name, b := range plant {
		if len(findSecret(key, b)) == 0 {
			t.Errorf("%s: the planted key was not found in %q", name, b)
		}
	}
	if f := findSecret(key, []byte(key[:len(key)-1])); len(f) != 0 {
		t.Errorf("a truncated key was reported as found: %v", f)
	}
}

// scanExchanges checks every recorded response header and body.
func scanExchanges(t testing.TB, key string, s *server) {
	t.Helper()
	s.mu.Lock()
	seen := append([]exchange(nil), s.seen...)
	s.mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("no exchanges recorded: the scan would be vacuous")
	}
	for _, x := range seen {
		var hb bytes.Buffer
		_ = x.header.Write(&hb)
		assertNoSecret(t, key, "the headers of "+x.what, hb.Bytes())
		assertNoSecret(t, key, "the body of "+x.what, x.body)
	}
}

// scanLogs checks every line the process wrote (it must have written some
// at debug level).
func scanLogs(t testing.TB, key string, s *server) {
	t.Helper()
	logs := s.logs()
	if !strings.Contains(logs, "level=DEBUG") {
		t.Errorf("no debug line in the logs of %s: the scan would not cover debug logging", s.URL)
	}
	for i, line := range strings.Split(logs, "\n") {
		assertNoSecret(t, key, fmt.Sprintf("log line %d of %s: %.200q", i+1, s.URL, line), []byte(line))
	}
}

// scanDataDir checks every file of the data dir: the SQLite database, its
// -wal and -shm files and the keyset (which must not hold the key either).
func scanDataDir(t testing.TB, key, dir string, wantDB bool) {
	t.Helper()
	sawDB := false
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, "aimodels.db") && len(b) > 0 {
			sawDB = true
		}
		assertNoSecret(t, key, "file "+p, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if wantDB && !sawDB {
		t.Errorf("no aimodels.db in %s: the SQLite scan would be vacuous", dir)
	}
}

// scanMySQLKeys dumps api_keys (every column, raw and as hex) and checks
// it; the table must hold at least one row with a ciphertext.
func scanMySQLKeys(t testing.TB, key, dsn string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM api_keys")
	if err != nil {
		t.Fatalf("dump api_keys: %v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	n := 0
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			fmt.Fprintf(&dump, "%s=%s 0x%X 0x%x\n", cols[i], v, []byte(v), []byte(v))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("api_keys is empty: the MySQL scan would be vacuous")
	}
	assertNoSecret(t, key, "the MySQL api_keys dump", dump.Bytes())
}

// checkMySQLTables asserts that api_keys still exists with one row and
// openrouter_models holds one row (the text selection).
func checkMySQLTables(t testing.TB, dsn string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table, want := range map[string]int{"api_keys": 1, "openrouter_models": 1} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d rows (%v), want %d", table, n, err, want)
		}
	}
}
