package echoapi

import (
	json "github.com/goccy/go-json"
	"regexp"
	"strconv"
	"strings"
)

var pathParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

// openAPIPath turns Echo's ":id" into OpenAPI's "{id}".
func openAPIPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

type obj = map[string]any

func str(desc string) obj  { return obj{"type": "string", "description": desc} }
func num(desc string) obj  { return obj{"type": "number", "description": desc} }
func boolean(d string) obj { return obj{"type": "boolean", "description": d} }
func ref(name string) obj  { return obj{"$ref": "#/components/schemas/" + name} }
func arrayOf(item obj) obj { return obj{"type": "array", "items": item} }
func nullable(o obj) obj   { o["nullable"] = true; return o }
func nullableRef(name string) obj {
	// OpenAPI 3.0 ignores the siblings of a $ref: a nullable reference is
	// an allOf of one.
	return obj{"type": "object", "nullable": true, "allOf": []obj{ref(name)}}
}

// object is a closed object: a member the server sends or accepts beyond
// props fails the kin-openapi check of test/e2e, so no field goes undocumented.
func object(props obj) obj {
	return obj{"type": "object", "properties": props, "additionalProperties": false}
}

// open is an object that may have members beyond props (a body passed
// through from OpenRouter).
func open(props obj) obj {
	return obj{"type": "object", "properties": props, "additionalProperties": true}
}
func integer(d string) obj    { return obj{"type": "integer", "description": d} }
func strEnum(v ...string) obj { return obj{"type": "string", "enum": v} }

func schemas() obj {
	model := object(obj{
		"id": str("OpenRouter model id"), "name": str("display name without the provider prefix"),
		"description": str(""), "context_length": integer("tokens"), "provider": str(""),
		"capabilities":     arrayOf(strEnum("text", "image", "audio")),
		"input_modalities": arrayOf(str("")), "output_modalities": arrayOf(str("")), "created": integer("unix seconds"),
		"pricing": object(obj{
			"prompt_cost": str(`e.g. "$0.50/1M tokens", "free", "variable", "$0.006/min"`), "completion_cost": str(""),
			"image_cost": str(""), "request_cost": str(""), "prompt": str("exact USD per token"),
			"completion": str("exact USD per token"), "image": str(""), "request": str(""), "audio": str(""),
		}),
		"provider_id": str("author slug of the id, e.g. anthropic"), "provider_name": str("one display name per provider, e.g. Anthropic"),
		"max_output_tokens":    nullable(integer("most tokens of one completion (top provider); null when unknown")),
		"supported_parameters": arrayOf(str("")), "base_model": str("the id without its variant suffix"),
		"variant": str(`"" or the suffix after ':' (free, beta, nitro, floor, extended, thinking, online, batch, …)`),
		"is_free": boolean("every listed price is zero"), "url": str("the model's OpenRouter page"),
		"prices": obj{"type": "object", "description": "per type the model serves (text, image, audio): its prices, the relevant one first",
			"additionalProperties": arrayOf(ref("PriceEntry"))},
		"sort_price": obj{"type": "object", "description": "per type: exact USD of the relevant price; absent when unknown or variable",
			"additionalProperties": str("exact decimal")},
		"all_prices": arrayOf(ref("PriceEntry")),
	})
	priceEntry := object(obj{
		"field": str("OpenRouter pricing field: prompt, completion, audio, image, image_token, request, web_search, internal_reasoning, input_cache_read, …"),
		"usd":   str("exact decimal, USD per unit (negative: variable)"),
		"unit": nullable(obj{"type": "string", "enum": []string{"token", "audio_token", "image_token", "image", "request", "minute", "second", "search"},
			"description": "null: the unit of this figure is not documented; show the field's name"}),
		"display": str(`English, e.g. "$2.50/1M tokens", "$0.006/min", "free", "variable", "$0.0000075"`),
	})
	entry := object(obj{
		"type": strEnum("text", "image", "audio"), "model_id": str(""), "saved": boolean("a saved choice"),
		"recommended": boolean("the recommended default"), "available": boolean("the model is in the catalog (true when the catalog cannot be fetched)"),
		"availability": strEnum("available", "unavailable", "unknown"),
		"saved_at":     nullable(str("RFC 3339")), "model": nullableRef("Model"),
		"fallbacks": obj{"type": "array", "items": str("model id"), "maxItems": 3,
			"description": "the models tried, in order, when model_id cannot serve (OpenRouter's models list for chat; aimodels itself for transcription); empty for none"},
		"flag": nullable(object(obj{"kind": strEnum("removed", "price_changed"), "detail": str("what changed and what to do, in English")})),
	})
	choice := obj{"description": "a model id (the type's saved fallbacks are kept, less that model), or the model with its fallbacks " +
		"(fallbacks replace the saved ones; [] clears them; absent keeps them). A fallback is validated like the model (in the catalog, " +
		"serving the type) and must differ from it and from the others; a bad one is a 422 whose field names it, such as text.fallbacks[1]",
		"oneOf": []obj{str("model id"), object(obj{"model": str("model id"),
			"fallbacks": obj{"type": "array", "items": str("model id"), "maxItems": 3}})}}
	keyStatus := object(obj{"provider": str(""), "configured": boolean(""), "masked": str("masked key, never the key"), "updated_at": str(""),
		"verification": object(obj{"status": strEnum("verified", "rejected", "unchecked"), "checked_at": str("RFC 3339"),
			"reason": str("why it was rejected or not checked (network)")})})
	prompt := object(obj{"id": integer(""), "name": str(""), "type": strEnum("text", "image", "audio"), "text": str(""), "created_at": str(""), "updated_at": str(""),
		"version":      integer("number of the current text: 1 when created, one more at each change of name, type or text"),
		"placeholders": arrayOf(str("a {{name}} the text uses, in order of first use")),
		"default":      boolean("the default prompt of its type, applied to a request of that type that names no prompt")})
	promptVersion := object(obj{"version": integer(""), "name": str("the prompt's name when this version was saved"), "type": strEnum("text", "image", "audio"),
		"text": str(""), "placeholders": arrayOf(str("")), "created_at": str("when this version was saved")})
	return obj{
		"Model":      model,
		"PriceEntry": priceEntry,
		"TryInput":   object(obj{"type": strEnum("text", "image", "audio"), "model": str("a model id serving the type; absent or empty: the type's selected model")}),
		"Try": object(obj{"success": boolean("true: errors come back as the error object"), "model": str("the model that answered"),
			"answer": str("its answer (the transcript for audio)"), "latency_ms": integer("from sending to the whole answer"),
			"usage": object(obj{"prompt_tokens": integer(""), "completion_tokens": integer(""), "total_tokens": integer(""),
				"audio_seconds": num("a transcription's audio length as OpenRouter reported it; absent when not reported")}),
			"cost": nullable(num("USD charged, exact (OpenRouter's usage.cost); null when not reported"))}),
		// OpenRouter's model object passed through (open: OpenRouter adds
		// fields), with OpenAI's object and owned_by.
		"OpenAIModel": open(obj{"id": str("a model id, or an alias: text, image, audio"), "object": strEnum("model"), "created": integer("Unix time"), "owned_by": str(""),
			"alias_for": str("the model an alias resolves to"), "canonical_slug": str("OpenRouter's dated slug"), "name": str(""), "description": str(""),
			"context_length": nullable(integer("tokens")),
			"architecture": open(obj{"modality": nullable(str("such as text+image->text")), "input_modalities": arrayOf(str("")), "output_modalities": arrayOf(str("")),
				"tokenizer": str(""), "instruct_type": nullable(str(""))}),
			"pricing": open(obj{"prompt": str("dollars per token, exact decimal"), "completion": str("dollars per token, exact decimal"),
				"request": str(""), "image": str(""), "audio": str("")}),
			"top_provider":         open(obj{"context_length": nullable(integer("")), "max_completion_tokens": nullable(integer("")), "is_moderated": boolean("")}),
			"per_request_limits":   nullable(open(obj{})),
			"default_parameters":   nullable(open(obj{})),
			"supported_parameters": arrayOf(str("")),
			"supported_voices":     nullable(arrayOf(str(""))),
			"links":                open(obj{"details": str("OpenRouter's endpoints of the model")})}),
		"OpenAIModelList": object(obj{"object": strEnum("list"), "data": arrayOf(ref("OpenAIModel")), "total_count": integer("entries in the whole list, aliases included"),
			"links": object(obj{"next": nullable(str("the next page (?offset=&limit=); null on the last"))})}),
		"GroupedModels": object(obj{"text": arrayOf(ref("Model")), "image": arrayOf(ref("Model")), "audio": arrayOf(ref("Model")),
			"recommended": obj{"type": "object", "description": "per type: the recommended default and the rule that chose it",
				"additionalProperties": object(obj{"model_id": str("empty when no model serves the type"), "rule": str("")})},
			"changes": nullable(object(obj{"since": str("RFC 3339: when the catalog served before was fetched"), "added": arrayOf(str("model id")),
				"removed":       arrayOf(str("model id")),
				"price_changed": arrayOf(object(obj{"id": str(""), "field": str("pricing field"), "old": str("exact decimal; empty when absent"), "new": str("exact decimal; empty when absent")}))}))}),
		"SelectionEntry": entry,
		"Selection":      object(obj{"text": ref("SelectionEntry"), "image": ref("SelectionEntry"), "audio": ref("SelectionEntry")}),
		"SelectionInput": object(obj{"text": choice, "image": choice, "audio": choice}),
		"Balance": object(obj{
			"balance": num("what can still be spent, USD"), "usage": num("what was spent, USD"),
			"formatted_balance": str(""), "formatted_usage": str(""),
			"rate_limit":    nullable(object(obj{"requests": integer(""), "interval": str("")})),
			"balance_known": boolean(""), "credits_known": boolean("false when /credits refused the key"),
			"total_credits": nullable(num("")), "formatted_total_credits": str(""), "limit": nullable(num("")),
			"limit_remaining": nullable(num("")), "limit_reset": str("when the key limit resets (daily, weekly, monthly); absent when it never does"), "usage_daily": num(""), "usage_weekly": num(""),
			"usage_monthly": num(""), "is_free_tier": boolean(""),
			"burn_rate": nullableRef("BurnRate"),
		}),
		"BurnRate": object(obj{"window_days": integer("the days the rate is taken over (today and the days before)"),
			"spent": num("USD the ledger recorded over the window"), "per_day": num("USD per day, exact to 9 places"),
			"days_left": nullable(num("the balance divided by per_day; null when the balance is unknown or nothing was spent"))}),
		"Connection": object(obj{"success": boolean(""), "message": str(""),
			"status": strEnum("success", "no_key", "invalid_key", "insufficient_credits", "rate_limited", "network_error", "timeout", "upstream_error", "key_unreadable")}),
		"KeyStatus": keyStatus,
		"Keys":      object(obj{"keys": arrayOf(ref("KeyStatus"))}),
		"KeyInput":  object(obj{"key": str("the API key; stored encrypted, never returned")}),
		"Prompt":    prompt,
		"Prompts":   object(obj{"prompts": arrayOf(ref("Prompt")), "next_cursor": str("present when there are more: pass it as ?cursor=")}),
		"PromptInput": object(obj{"name": str("no @, which pins a version in a request"), "type": strEnum("text", "image", "audio"), "text": str(""),
			"default": boolean("mark as the default prompt of its type (unmarking the previous one); false unmarks; omitted on update keeps the flag")}),
		"PromptVersion":  promptVersion,
		"PromptVersions": object(obj{"versions": arrayOf(ref("PromptVersion")), "next_cursor": str("present when there are older ones: pass it as ?cursor=")}),
		"ChatRequest": obj{"type": "object", "additionalProperties": true, "description": "OpenAI chat completion request; model may be text, image, audio or a model id",
			"properties": obj{"model": str(""), "messages": arrayOf(obj{"type": "object"}), "stream": boolean(""),
				"prompt":    str("aimodels: the name of a stored prompt (name@3 pins its version 3), sent as the system message before the messages; without it a request to text, image or audio gets that type's default prompt"),
				"variables": obj{"type": "object", "additionalProperties": str(""), "description": "aimodels: values of the prompt's {{placeholders}}"}}},
		"ChatCompletion": obj{"type": "object", "additionalProperties": true, "description": "OpenRouter's chat completion, passed through; text/event-stream when stream is true"},
		"TranscriptionInput": object(obj{"model": str("a model id; empty or without '/' means the selected audio model"),
			"input_audio": object(obj{"data": str("base64 audio"), "format": str("wav, mp3, …")}),
			"language":    str(""), "prompt": str("the name of a stored audio prompt (name@3 pins a version); its filled text is the transcription prompt"),
			"variables":       obj{"type": "object", "additionalProperties": str(""), "description": "values of the prompt's {{placeholders}}"},
			"response_format": strEnum("json", "text"), "temperature": num("")}),
		"Transcription": object(obj{"text": str(""), "model": str(""), "usage": object(obj{"cost": num(""), "seconds": num("")})}),
		"OpenAPI":       obj{"type": "object"},
		"Error": obj{"type": "object", "required": []string{"error"}, "description": "the body of every error response",
			"properties": obj{"error": obj{"type": "object", "required": []string{"code", "message"},
				"properties": obj{"code": str("stable machine code, such as validation_error, not_found, unauthorized"), "message": str("for people"),
					"field": str("the offending input, for validation errors")}}}},
		"ChatCompletionChunks": obj{"type": "string", "description": "server-sent events, one OpenRouter chat.completion.chunk as JSON per `data:` line, ended by `data: [DONE]`; an error after the first chunk is a `data:` line of the Error shape"},
		"TranscriptionText":    obj{"type": "string", "description": "the transcribed text alone (response_format=text)"},
		"Probe": obj{"type": "object", "required": []string{"status"}, "properties": obj{
			"status": strEnum("ok", "ready", "unavailable"), "reason": str("why the server is not ready")}},
	}
}

// errorResponse is a response of the Error shape.
func errorResponse(desc string) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": ref("Error")}}}
}

func buildOpenAPI(prefix string) []byte {
	paths := obj{}
	for _, r := range routes() {
		p := prefix + openAPIPath(r.path)
		item, _ := paths[p].(obj)
		if item == nil {
			item = obj{}
			paths[p] = item
		}
		op := obj{
			"summary":     r.summary,
			"tags":        []string{r.tag},
			"operationId": strings.ToLower(r.method) + strings.NewReplacer("/", "_", ":", "", "-", "_", ".", "_").Replace(r.path),
			"security":    []obj{{"bearer": []string{}}},
		}
		if r.public {
			op["security"] = []obj{}
		}
		var params []obj
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
		for _, q := range r.params {
			params = append(params, obj{"name": q, "in": "query", "schema": obj{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.body != "" {
			content := obj{"application/json": obj{"schema": ref(r.body)}}
			if r.body == "TranscriptionInput" {
				// Other fields of OpenAI's form (temperature, …) are read and skipped.
				content["multipart/form-data"] = obj{"schema": obj{"type": "object", "required": []string{"file"}, "properties": obj{
					"file": obj{"type": "string", "format": "binary"}, "model": str("as in JSON"), "language": str(""), "prompt": str("the name of a stored audio prompt (name@3 pins a version)"),
					"variables":       str("a JSON object of the prompt's values, e.g. {\"speaker\":\"Анна\"}"),
					"response_format": strEnum("json", "text"), "format": str("the audio format, when the file name and type do not say it")}}}
			}
			op["requestBody"] = obj{"required": true, "content": content}
		}
		responses := obj{"default": errorResponse("an error: the status says which (400 bad input, 404 not found, 422 invalid, 5xx server or upstream)")}
		if !r.public {
			responses["401"] = errorResponse("no or a wrong bearer token")
		}
		switch {
		case r.status == 204:
			responses["204"] = obj{"description": "done"}
		case r.method == "HEAD":
			responses[strconv.Itoa(r.status)] = obj{"description": "the headers GET answers, without a body"}
		default:
			content := obj{"application/json": obj{"schema": ref(r.resp)}}
			if r.stream {
				content["text/event-stream"] = obj{"schema": ref("ChatCompletionChunks")}
			}
			if r.plain {
				content["text/plain"] = obj{"schema": ref("TranscriptionText")}
			}
			if r.csv {
				content = obj{"text/csv": obj{"schema": obj{"type": "string", "description": "a header row, then one row per request"}}}
			}
			responses[strconv.Itoa(r.status)] = obj{"description": "success", "content": content}
		}
		op["responses"] = responses
		item[strings.ToLower(r.method)] = op
	}
	for _, pr := range probes() {
		probeResp := func(desc string) obj {
			return obj{"description": desc, "content": obj{"application/json": obj{"schema": ref("Probe")}}}
		}
		responses := obj{"200": probeResp("up"), "default": errorResponse("an error (Echo's own, such as 405 for another method)")}
		if pr.unready {
			responses["200"] = probeResp("ready: the database answers")
			responses["503"] = probeResp("not ready: the database does not answer")
		}
		head := obj{}
		for code, r := range responses {
			head[code] = obj{"description": r.(obj)["description"]}
		}
		paths[pr.path] = obj{
			"get": obj{"summary": pr.summary, "operationId": pr.operationID, "tags": []string{"probes"},
				"security": []obj{}, "responses": responses},
			"head": obj{"summary": pr.summary + " (status only)", "operationId": pr.operationID + "Head", "tags": []string{"probes"},
				"security": []obj{}, "responses": head},
		}
	}
	doc := obj{
		"openapi": "3.0.3",
		"info": obj{"title": "aimodels", "version": "1",
			"description": "OpenRouter API key, model catalog and selection, balance, prompts and requests to the selected models.",
			"license":     obj{"name": "UNLICENSED"}},
		"servers": []obj{{"url": "/", "description": "the server that serves this document; paths carry the API prefix"}},
		"paths":   paths,
		"components": obj{
			"schemas":         usageSchemas(schemas()),
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("echoapi: OpenAPI document does not encode: " + err.Error())
	}
	return b
}
