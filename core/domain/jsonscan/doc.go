// Package jsonscan reads and writes the JSON of aimodels' hot paths (a chat
// request, a chat response) faster than reflection-based encoding/json,
// with the standard library only.
//
// Valid checks a document in one pass of a byte loop; once a document is
// valid, Members and Elements walk its objects and arrays without
// allocating, and Unquote copies plain strings as they are. Everything
// unusual (escapes, invalid UTF-8) is handed to encoding/json, and fuzz
// tests check that each function gives encoding/json's answer: Valid the
// same verdict as json.Valid, AppendString the same bytes as json.Marshal,
// Unquote the same string as json.Unmarshal.
package jsonscan
