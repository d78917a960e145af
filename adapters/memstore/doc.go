// Package memstore is an in-memory implementation of aimodels' store
// ports: a *Store is a ports.KeyStore, ports.SelectionStore,
// ports.PromptStore and ports.Pinger, like a *gormstore.Store, and keeps
// everything in maps guarded by one mutex.
//
// It follows every rule written on the store ports in ports/driven.go
// (scopes, error kinds, ordering, all-or-none saves, ReplaceCiphertexts
// skipping keys changed since they were read) and passes the same
// contract suite (test/contract) as the SQLite and MySQL stores, so a
// test of the core that runs on it sees what production would. Nothing
// is persisted: the data lives as long as the Store.
//
// Tests make it fail on purpose with FailNext (the next call returns an
// error) or SetHook (a function run before every call, which can fail
// it, count calls or act between them), and make it unavailable with
// Close.
//
// It imports only the standard library, ports and core/domain.
package memstore
