// Package tinkcipher encrypts secrets with Tink's AEAD (AES-256-GCM) and
// implements ports.Cipher and ports.KeyRotator.
//
// A Cipher holds a Tink keyset. The AEAD primitive is built once per
// keyset version and swapped atomically when the keyset changes, so
// Encrypt and Decrypt are safe for concurrent use and cheap. Encrypt
// reports the id of the primary key; Decrypt accepts ciphertexts of every
// enabled key of the keyset, and fails with an error wrapping
// domain.ErrDecrypt (never a panic, never the plaintext) on tampered,
// moved or foreign ciphertexts.
//
// Keysets come from a file (LoadFile, LoadOrGenerate), an environment
// variable (LoadEnv), or a handle (New, Generate). A keyset file is JSON;
// when a master AEAD (a key-encryption key kept elsewhere, such as a KMS
// or a separate keyset) is given, the file holds the keyset encrypted
// under it; otherwise it is cleartext, which is for development. Changes
// made by AddPrimaryKey and DisableKey are written back to the same file
// atomically (temporary file, fsync, rename) with mode 0600.
package tinkcipher
