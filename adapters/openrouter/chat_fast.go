package openrouter

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/core/domain/jsonscan"
)

// fields is a set of known member names of one object, for the
// duplicate check (at most 8 names).
type fields uint8

// member looks name up in names and marks it seen; ok is false for a
// duplicate, or for an unknown name that encoding/json's case-insensitive
// matching would take for a known one.
func (f *fields) member(names []string, name []byte) (idx int, ok bool) {
	for i, n := range names {
		if string(name) == n {
			bit := fields(1) << i
			if *f&bit != 0 {
				return -1, false
			}
			*f |= bit
			return i, true
		}
	}
	for _, n := range names {
		if strings.EqualFold(string(name), n) {
			return -1, false
		}
	}
	return -1, true // ignored, as encoding/json ignores it
}

var (
	chatFields    = []string{"id", "model", "provider", "choices", "usage", "error"}
	choiceFields  = []string{"index", "finish_reason", "message"}
	messageFields = []string{"content"}
	usageFields   = []string{"prompt_tokens", "completion_tokens", "total_tokens", "cost"}
)

// eachField walks the members of the object obj and calls set with the
// index in names of every known one (unknown names are ignored, as
// encoding/json ignores them); false when encoding/json must decide: a
// key that does not decode, a duplicate, a case variant of a known name,
// or a value set refuses.
func eachField(obj []byte, names []string, set func(idx int, v []byte) bool) bool {
	var seen fields
	for k, v := range jsonscan.Members(obj) {
		name, ok := jsonscan.Key(k)
		if !ok {
			return false
		}
		idx, ok := seen.member(names, name)
		if !ok || (idx >= 0 && !set(idx, v)) {
			return false
		}
	}
	return true
}

// objectOrNull runs eachField on an object value; null sets nothing (the
// pointer field stays nil, as in encoding/json); any other kind is refused.
func objectOrNull(v []byte, names []string, set func(idx int, v []byte) bool) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.Null:
		return true
	case jsonscan.Object:
		return eachField(v, names, set)
	}
	return false
}

// parseChatFast reads a well-formed completion; ok is false whenever
// encoding/json must decide.
func parseChatFast(body []byte) (_ *domain.ChatResponse, ok bool) {
	b := jsonscan.Trim(body)
	if jsonscan.KindOf(b) != jsonscan.Object || !jsonscan.Valid(b) {
		return nil, false
	}
	r := &domain.ChatResponse{Raw: json.RawMessage(body)}
	haveChoices := false
	ok = eachField(b, chatFields, func(idx int, v []byte) bool {
		switch idx {
		case 0:
			return jsonscan.SetString(&r.ID, v)
		case 1:
			return jsonscan.SetString(&r.Model, v)
		case 2:
			return jsonscan.SetString(&r.Provider, v)
		case 3:
			haveChoices = jsonscan.KindOf(v) == jsonscan.Array
			return haveChoices && choices(r, v)
		case 4:
			return usage(&r.Usage, v)
		default: // "error": only null is a completion
			return jsonscan.KindOf(v) == jsonscan.Null
		}
	})
	return r, ok && haveChoices
}

func choices(r *domain.ChatResponse, arr []byte) bool {
	r.Choices = make([]domain.Choice, 0, jsonscan.Count(arr))
	for el := range jsonscan.Elements(arr) {
		if jsonscan.KindOf(el) != jsonscan.Object {
			return false
		}
		var ch domain.Choice
		ok := eachField(el, choiceFields, func(idx int, v []byte) bool {
			switch idx {
			case 0:
				return integer(&ch.Index, v)
			case 1:
				return jsonscan.SetString(&ch.FinishReason, v)
			default:
				return message(&ch.Content, v)
			}
		})
		if !ok {
			return false
		}
		r.Choices = append(r.Choices, ch)
	}
	return true
}

func message(content *string, v []byte) bool {
	return objectOrNull(v, messageFields, func(_ int, c []byte) bool {
		if jsonscan.KindOf(c) == jsonscan.String {
			s, err := jsonscan.Unquote(c)
			*content = s
			return err == nil
		}
		*content = contentText(json.RawMessage(c))
		return true
	})
}

func usage(u *domain.Usage, v []byte) bool {
	return objectOrNull(v, usageFields, func(idx int, n []byte) bool {
		switch idx {
		case 0:
			return integer(&u.PromptTokens, n)
		case 1:
			return integer(&u.CompletionTokens, n)
		case 2:
			return integer(&u.TotalTokens, n)
		default:
			return float(&u.Cost, n)
		}
	})
}

// integer and float store a number; null leaves the field as it is
// (encoding/json's rule); another kind is refused.
func integer(dst *int, v []byte) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.Number:
		n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
		*dst = int(n)
		return err == nil
	case jsonscan.Null:
		return true
	}
	return false
}

func float(dst *float64, v []byte) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		*dst = f
		return err == nil
	case jsonscan.Null:
		return true
	}
	return false
}
