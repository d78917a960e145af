// Package gormstore stores aimodels' data with GORM in MySQL/MariaDB or in
// an embedded SQLite file (pure Go, no cgo).
//
// A *Store implements ports.KeyStore, ports.SelectionStore,
// ports.PromptStore and ports.Pinger. Open connects, configures the pool
// and applies the versioned migrations (see Migrate); every table carries a
// scope column so one database can serve many tenants.
//
// Every database error a Store returns is a *domain.StoreError whose Kind
// is domain.ErrNotFound, domain.ErrConflict or domain.ErrStoreUnavailable,
// so callers test it with errors.Is; input the store cannot hold (a scope
// over 64 bytes, a selection without a model id) is a
// *domain.ValidationError instead. The store keeps only the ciphertext and
// the masked hint of an API key; it never sees the plaintext.
//
// SQLite runs in WAL mode with a busy timeout and foreign keys on. Writes
// go through a single-connection pool (one writer, as SQLite allows) with
// BEGIN IMMEDIATE transactions, while reads use a separate pool, so many
// concurrent writers queue in the process instead of failing with
// SQLITE_BUSY. MySQL upserts use INSERT … ON DUPLICATE KEY UPDATE and are
// retried on InnoDB deadlocks.
package gormstore
