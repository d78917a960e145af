package jsonscan

import (
	"bytes"
	"encoding/json"
	"iter"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of a JSON value, read from its first byte.
type Kind uint8

// The kinds of JSON values.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

// KindOf returns the kind of the value v (no leading space).
func KindOf(v []byte) Kind {
	if len(v) == 0 {
		return Invalid
	}
	switch c := v[0]; {
	case c == 'n':
		return Null
	case c == 't' || c == 'f':
		return Bool
	case c == '"':
		return String
	case c == '[':
		return Array
	case c == '{':
		return Object
	case c == '-' || (c >= '0' && c <= '9'):
		return Number
	}
	return Invalid
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// Trim returns b without leading and trailing JSON whitespace.
func Trim(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// valueEnd returns the offset just past the value that starts at b[i].
// b must be valid JSON.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default: // number or literal
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// stringEnd returns the offset just past the string that starts at b[i]:
// the first quote not escaped by an odd run of backslashes.
func stringEnd(b []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		bs := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			bs++
		}
		i++
		if bs%2 == 0 {
			return i
		}
	}
}

// Members yields the key token (with its quotes) and the value of every
// member of obj, in order. obj must be a valid JSON object without
// surrounding space (check with Valid first).
func Members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		i := skipSpace(obj, 1)
		for i < len(obj) && obj[i] == '"' {
			ke := stringEnd(obj, i)
			key := obj[i:ke]
			vs := skipSpace(obj, skipSpace(obj, ke)+1) // past ':'
			ve := valueEnd(obj, vs)
			if !yield(key, obj[vs:ve]) {
				return
			}
			i = skipSpace(obj, ve)
			if i < len(obj) && obj[i] == ',' {
				i = skipSpace(obj, i+1)
			}
		}
	}
}

// Elements yields every element of arr, in order. arr must be a valid
// JSON array without surrounding space.
func Elements(arr []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		i := skipSpace(arr, 1)
		for i < len(arr) && arr[i] != ']' {
			ve := valueEnd(arr, i)
			if !yield(arr[i:ve]) {
				return
			}
			i = skipSpace(arr, ve)
			if i < len(arr) && arr[i] == ',' {
				i = skipSpace(arr, i+1)
			}
		}
	}
}

// Count returns the number of elements of a valid JSON array.
func Count(arr []byte) int {
	n := 0
	for range Elements(arr) {
		n++
	}
	return n
}

// plain reports whether the string token tok (with quotes) decodes to
// its own bytes: no escape, no quote or control byte, valid UTF-8.
func plain(tok []byte) bool {
	ascii := true
	for _, c := range tok[1 : len(tok)-1] {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(tok[1:len(tok)-1])
}

// Unquote decodes the string token tok (with its quotes) exactly as
// encoding/json does (FuzzUnquote): escapes are decoded, an invalid
// surrogate or invalid UTF-8 becomes U+FFFD. A plain string is one copy.
// tok must be a valid string token; anything else is passed to
// encoding/json for its error.
func Unquote(tok []byte) (string, error) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return unquoteSlow(tok)
	}
	in := tok[1 : len(tok)-1]
	if plain(tok) {
		return string(in), nil
	}
	out := make([]byte, 0, len(in)+utf8.UTFMax)
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '\\':
			if i+1 >= len(in) {
				return unquoteSlow(tok)
			}
			switch e := in[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(in[i+2:])
				if r < 0 {
					return unquoteSlow(tok)
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if i+1 < len(in) && in[i] == '\\' && in[i+1] == 'u' {
						if pair := utf16.DecodeRune(r, hex4(in[i+2:])); pair != utf8.RuneError {
							out = utf8.AppendRune(out, pair)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return unquoteSlow(tok)
			}
			i += 2
		case c < 0x20 || c == '"':
			return unquoteSlow(tok)
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, in[i:i+size]...)
			}
			i += size
		}
	}
	return string(out), nil
}

// hex4 reads 4 hex digits; -1 when there are fewer or one is not hex.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func unquoteSlow(tok []byte) (string, error) {
	var s string
	err := json.Unmarshal(tok, &s)
	return s, err
}

// Key returns the name of a key token (with its quotes): the bytes
// between the quotes when they need no decoding, else the decoded name.
// ok is false for a token that is not a valid string.
func Key(tok []byte) (name []byte, ok bool) {
	if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' && plain(tok) {
		return tok[1 : len(tok)-1], true
	}
	s, err := Unquote(tok)
	return []byte(s), err == nil
}

// KeyIs reports whether the key token (with its quotes) is exactly name.
func KeyIs(tok []byte, name string) bool {
	k, ok := Key(tok)
	return ok && string(k) == name
}

// SetString stores the string value v in dst with encoding/json's rule for
// a string field: a string is decoded, null leaves dst as it is; false
// for any other kind (or a string that does not decode).
func SetString(dst *string, v []byte) bool {
	switch KindOf(v) {
	case String:
		s, err := Unquote(v)
		*dst = s
		return err == nil
	case Null:
		return true
	}
	return false
}
