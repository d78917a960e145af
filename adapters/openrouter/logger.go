package openrouter

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
)

// slogAdapter is retryablehttp's LeveledLogger over slog. It drops values
// that could carry credentials: headers, requests, and any key named like
// a secret.
type slogAdapter struct{ l *slog.Logger }

// Every line of the library's is one attempt's story, so every one goes
// to debug: Client.send logs the outcome of the whole call once.
func (a slogAdapter) Error(msg string, kv ...any) { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Debug(msg string, kv ...any) { a.log(slog.LevelDebug, msg, kv) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.log(slog.LevelDebug, msg, kv) }

// log checks the level first: retryablehttp logs every attempt at debug,
// and a disabled line must cost nothing on the request path.
func (a slogAdapter) log(level slog.Level, msg string, kv []any) {
	ctx := context.Background()
	if a.l.Enabled(ctx, level) {
		a.l.Log(ctx, level, "retryablehttp: "+msg, scrub(kv)...)
	}
}

// scrub returns kv with secret-bearing values replaced.
func scrub(kv []any) []any {
	out := make([]any, len(kv))
	copy(out, kv)
	for i := range out {
		switch v := out[i].(type) {
		case http.Header, *http.Request, *http.Response:
			out[i] = "[REDACTED]"
		case string:
			if i%2 == 0 && isSecretName(v) && i+1 < len(out) {
				out[i+1] = "[REDACTED]"
			}
		}
	}
	return out
}

func isSecretName(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "authorization") || strings.Contains(k, "key") ||
		strings.Contains(k, "token") || strings.Contains(k, "secret") || strings.Contains(k, "header")
}
