package jsonscan_test

import (
	"fmt"

	"github.com/aimodels/aimodels/core/domain/jsonscan"
)

// Walk a request body: validate once, then read members without
// allocating, decoding only the strings that are needed.
func Example() {
	body := []byte(`{"model":"text","temperature":0.2,"messages":[{"role":"user","content":"Hi \u2014 there"}]}`)
	if !jsonscan.Valid(body) {
		fmt.Println("invalid JSON")
		return
	}
	for key, val := range jsonscan.Members(body) {
		name, _ := jsonscan.Key(key)
		switch string(name) {
		case "model":
			model, _ := jsonscan.Unquote(val)
			fmt.Println("model:", model)
		case "messages":
			for msg := range jsonscan.Elements(val) {
				for k, v := range jsonscan.Members(msg) {
					if jsonscan.KeyIs(k, "content") {
						text, _ := jsonscan.Unquote(v)
						fmt.Println("content:", text)
					}
				}
			}
		default:
			fmt.Printf("other: %s = %s\n", name, val)
		}
	}
	fmt.Println(string(jsonscan.AppendString(nil, "<b>&</b>")))
	// Output:
	// model: text
	// other: temperature = 0.2
	// content: Hi — there
	// "\u003cb\u003e\u0026\u003c/b\u003e"
}
