// Package e2e runs the real aimodels binary end to end.
//
// TestMain builds ./cmd/aimodels once; each test starts it as a process on
// 127.0.0.1 (a free port, a fresh data dir, a known admin token, debug
// logs captured) against an in-process fake OpenRouter
// (test/openroutertest) whose faults the tests inject directly, and stops
// it with SIGTERM, asserting a graceful exit 0.
//
// The suite covers the whole user flow on SQLite and, when
// AIMODELS_TEST_MYSQL_DSN is set, on MySQL (each run in its own database);
// a scan for the plaintext API key in every response, log line, database
// file and table; authentication of every registered route; the mapping
// of every upstream failure class; bad input; two replicas on one MySQL
// database; and the official openai npm client (test/npmclient) when node
// is on PATH.
package e2e
