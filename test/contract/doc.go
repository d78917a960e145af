// Package contract is the one behaviour suite every aimodels store must
// pass: the rules written on the store ports in ports/driven.go (keys,
// rotation, selections, prompts, scope isolation, error kinds, ordering,
// concurrency) and migrations. Run calls it against a factory of fresh
// stores; the tests of this package run it against adapters/memstore
// and SQLite always, and against MySQL when AIMODELS_TEST_MYSQL_DSN is
// set (FreshMySQL gives each run its own database). The tests that
// stop, fill or lock down a MariaDB server (a restart and a kill -9 under
// writes, read_only, a full tablespace, least-privilege users) run on
// private servers of their own (test/mariadbtest), never on that one.
package contract
