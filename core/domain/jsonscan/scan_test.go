package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var seeds = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `truex`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-12.5e3`,
	`""`, `"a"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, `"\/\b\f\n\r\t\"\\"`, "\"\x01\"", "\"\xff\"", `"unterminated`,
	`[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,[2,[3]]]`, `{}`, `{ }`, `{"a":1}`, `{"a" : 1 , "b":[true,null]}`,
	`{"a":1,}`, `{"a"}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":{"b":{"c":"}]"}}}`, ` {"k":"v"} `, `{"k":"v"} x`,
	`{"model":"text","messages":[{"role":"user","content":"hi"}],"temperature":0.2}`,
	"{\"\\u006dodel\":\"x\"}", `"<a href='x'>&</a>"`, "\"\u2028\u2029\"", `{"dup":1,"dup":2}`,
}

func TestValidMatchesEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	deeper := "[" + deep + "]"
	for _, s := range []string{deep, deeper, strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth)} {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(depth %d) = %v, encoding/json says %v", strings.Count(s, "[")+strings.Count(s, "{"), got, want)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
		if json.Valid(b) {
			checkWalk(t, Trim(b))
		}
	})
}

type member struct {
	key string
	val string
}

// checkWalk compares Members and Elements of a valid value with what
// encoding/json's Decoder reads, recursively.
func checkWalk(t *testing.T, v []byte) {
	t.Helper()
	switch KindOf(v) {
	case Object:
		var want []member
		dec := json.NewDecoder(bytes.NewReader(v))
		_, _ = dec.Token()
		for dec.More() {
			k, _ := dec.Token()
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				t.Fatalf("decoder: %v", err)
			}
			want = append(want, member{k.(string), string(raw)})
		}
		var got []member
		for k, val := range Members(v) {
			ks, err := Unquote(k)
			if err != nil {
				t.Fatalf("Unquote(%q): %v", k, err)
			}
			if !KeyIs(k, ks) {
				t.Fatalf("KeyIs(%q, %q) = false", k, ks)
			}
			got = append(got, member{ks, string(val)})
			checkWalk(t, val)
		}
		if len(got) != len(want) {
			t.Fatalf("Members(%s) = %q, want %q", v, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Members(%s)[%d] = %q, want %q", v, i, got[i], want[i])
			}
		}
	case Array:
		var want []json.RawMessage
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatal(err)
		}
		n := 0
		for el := range Elements(v) {
			if n >= len(want) || string(el) != string(Trim(want[n])) {
				t.Fatalf("Elements(%s)[%d] = %q", v, n, el)
			}
			checkWalk(t, el)
			n++
		}
		if n != len(want) || Count(v) != n {
			t.Fatalf("Elements(%s): %d elements, want %d", v, n, len(want))
		}
	case String:
		var want string
		_ = json.Unmarshal(v, &want)
		if got, err := Unquote(v); err != nil || got != want {
			t.Fatalf("Unquote(%s) = %q, %v; want %q", v, got, err, want)
		}
	}
}

func TestWalk(t *testing.T) {
	for _, s := range seeds {
		if json.Valid([]byte(s)) {
			checkWalk(t, Trim([]byte(s)))
		}
	}
	obj := []byte(`{"a" : 1 , "b":[true, {"c":"}]\""}] ,"d":null}`)
	var keys []string
	for k, v := range Members(obj) {
		keys = append(keys, string(k)+"="+string(v))
	}
	if got := strings.Join(keys, " "); got != `"a"=1 "b"=[true, {"c":"}]\""}] "d"=null` {
		t.Fatalf("members: %s", got)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal gives %s", s, got, want)
		}
	})
}

func TestAppendString(t *testing.T) {
	for _, s := range append(seeds, "\x00\x1f\x7f", "é\xc3", "tab\there") {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendString(%q) = %s, want x%s", s, got, want)
		}
	}
}

func TestKindOf(t *testing.T) {
	cases := map[string]Kind{"": Invalid, "n": Null, "t": Bool, "f": Bool, `"`: String, "[": Array, "{": Object, "-": Number, "7": Number, "x": Invalid}
	for s, want := range cases {
		if got := KindOf([]byte(s)); got != want {
			t.Errorf("KindOf(%q) = %d, want %d", s, got, want)
		}
	}
}

func BenchmarkValid(b *testing.B) {
	body := []byte(`{"model":"text","temperature":0.2,"max_tokens":256,"messages":[` +
		`{"role":"system","content":"You sort customer messages into billing, bugs and other. Answer with one word."},` +
		`{"role":"user","content":"Hello! I was charged twice for my subscription this month, can you help me get a refund?"}]}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
}

func FuzzUnquote(f *testing.F) {
	for _, s := range append(seeds, `\ud83d\ude00`, `\ud83d`, `\ud83dx`, `\ud83d\u0041`, `\udc00\ud800`, "a\xffb", `\u`, `\u12`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := []byte(`"` + s + `"`)
		var want string
		wantErr := json.Unmarshal(tok, &want)
		got, err := Unquote(tok)
		if (err != nil) != (wantErr != nil) || got != want {
			t.Fatalf("Unquote(%s) = %q, %v; encoding/json: %q, %v", tok, got, err, want, wantErr)
		}
	})
}

func TestUnquoteEscapes(t *testing.T) {
	for _, s := range []string{`a\nb\tc\"d\\e\/f`, `\u00e9t\u00E9`, `\ud83d\ude00`, `\ud83d`, `\ud83d\u0041`, `\udc00`, "\xff", `\b\f\r`} {
		tok := []byte(`"` + s + `"`)
		var want string
		if err := json.Unmarshal(tok, &want); err != nil {
			t.Fatal(err)
		}
		if got, err := Unquote(tok); err != nil || got != want {
			t.Errorf("Unquote(%s) = %q, %v; want %q", tok, got, err, want)
		}
	}
}
