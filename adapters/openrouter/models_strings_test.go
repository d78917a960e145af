package openrouter

import (
	"encoding/json"
	"reflect"
	"testing"
)

// internedStrings + interner must give what a []string field gives with
// encoding/json, whatever the value.
func TestInternedStringsMatchEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`["text","image"]`, ` [ "text" , "image" ] `, `[]`, `[ ]`, `null`, `"text"`, `1`, `{}`, `true`,
		`["a\"b","c"]`, `["\u00e9t\u00e9"]`, "[\"\xff\xfe\"]", `[1,"a"]`, `["a",null]`, `[["a"]]`,
		`["tools","tool_choice","max_tokens","temperature","top_p","reasoning","include_reasoning"]`,
	} {
		var want struct {
			V []string `json:"v"`
		}
		_ = json.Unmarshal([]byte(`{"v":`+in+`}`), &want)
		var got struct {
			V internedStrings `json:"v"`
		}
		if err := json.Unmarshal([]byte(`{"v":`+in+`}`), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if s := []string(got.V); !reflect.DeepEqual(s, want.V) {
			t.Errorf("%s: got %#v, want %#v", in, s, want.V)
		}
	}
}

func FuzzInternedStrings(f *testing.F) {
	for _, s := range []string{`["text","image"]`, `[]`, `null`, `["a\"b"]`, `[1,"a"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		body := []byte(`{"v":` + in + `}`)
		if !json.Valid(body) {
			return
		}
		var want struct {
			V []string `json:"v"`
		}
		_ = json.Unmarshal(body, &want)
		var got struct {
			V internedStrings `json:"v"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			return // a trailing part made the body invalid as one object
		}
		if s := []string(got.V); !reflect.DeepEqual(s, want.V) {
			t.Fatalf("%q: got %#v, want %#v", in, s, want.V)
		}
	})
}
