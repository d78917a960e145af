// Package contract is the one behaviour suite every aimodels store must
// pass: keys, selections, prompts, scope isolation, concurrency and
// migrations. Run calls it against a factory of fresh stores; the tests
// of this package run it against SQLite always and against MySQL when
// AIMODELS_TEST_MYSQL_DSN is set (FreshMySQL gives each run its own
// database).
package contract
