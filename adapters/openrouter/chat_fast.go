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

// parseChatFast reads a well-formed completion; ok is false whenever
// encoding/json must decide.
func parseChatFast(body []byte) (_ *domain.ChatResponse, ok bool) {
	b := jsonscan.Trim(body)
	if jsonscan.KindOf(b) != jsonscan.Object || !jsonscan.Valid(b) {
		return nil, false
	}
	r := &domain.ChatResponse{Raw: json.RawMessage(body)}
	var seen fields
	haveChoices := false
	for k, v := range jsonscan.Members(b) {
		name, ok := jsonscan.Key(k)
		if !ok {
			return nil, false
		}
		idx, ok := seen.member(chatFields, name)
		if !ok {
			return nil, false
		}
		switch idx {
		case 0:
			ok = str(&r.ID, v)
		case 1:
			ok = str(&r.Model, v)
		case 2:
			ok = str(&r.Provider, v)
		case 3:
			haveChoices = jsonscan.KindOf(v) == jsonscan.Array
			ok = haveChoices && choices(r, v)
		case 4:
			ok = usage(&r.Usage, v)
		case 5:
			ok = jsonscan.KindOf(v) == jsonscan.Null
		}
		if !ok {
			return nil, false
		}
	}
	return r, haveChoices
}

func choices(r *domain.ChatResponse, arr []byte) bool {
	r.Choices = make([]domain.Choice, 0, jsonscan.Count(arr))
	for el := range jsonscan.Elements(arr) {
		if jsonscan.KindOf(el) != jsonscan.Object {
			return false
		}
		var ch domain.Choice
		var seen fields
		for k, v := range jsonscan.Members(el) {
			name, ok := jsonscan.Key(k)
			if !ok {
				return false
			}
			idx, ok := seen.member(choiceFields, name)
			if !ok {
				return false
			}
			switch idx {
			case 0:
				ok = integer(&ch.Index, v)
			case 1:
				ok = str(&ch.FinishReason, v)
			case 2:
				ok = message(&ch.Content, v)
			}
			if !ok {
				return false
			}
		}
		r.Choices = append(r.Choices, ch)
	}
	return true
}

func message(content *string, v []byte) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.Null:
		return true
	case jsonscan.Object:
	default:
		return false
	}
	var seen fields
	for k, c := range jsonscan.Members(v) {
		name, ok := jsonscan.Key(k)
		if !ok {
			return false
		}
		idx, ok := seen.member(messageFields, name)
		if !ok {
			return false
		}
		if idx == 0 {
			if jsonscan.KindOf(c) == jsonscan.String {
				s, err := jsonscan.Unquote(c)
				if err != nil {
					return false
				}
				*content = s
			} else {
				*content = contentText(json.RawMessage(c))
			}
		}
	}
	return true
}

func usage(u *domain.Usage, v []byte) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.Null:
		return true
	case jsonscan.Object:
	default:
		return false
	}
	var seen fields
	for k, n := range jsonscan.Members(v) {
		name, ok := jsonscan.Key(k)
		if !ok {
			return false
		}
		idx, ok := seen.member(usageFields, name)
		if !ok {
			return false
		}
		switch idx {
		case 0:
			ok = integer(&u.PromptTokens, n)
		case 1:
			ok = integer(&u.CompletionTokens, n)
		case 2:
			ok = integer(&u.TotalTokens, n)
		case 3:
			ok = float(&u.Cost, n)
		}
		if !ok {
			return false
		}
	}
	return true
}

// str, integer and float store a value of the expected kind; null leaves
// the field as it is (encoding/json's rule); another kind is refused.
func str(dst *string, v []byte) bool {
	switch jsonscan.KindOf(v) {
	case jsonscan.String:
		s, err := jsonscan.Unquote(v)
		*dst = s
		return err == nil
	case jsonscan.Null:
		return true
	}
	return false
}

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
