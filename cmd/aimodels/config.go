package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aimodels/aimodels/adapters/metrics"
)

// config is every setting; each is a flag and an AIMODELS_* variable.
type config struct {
	Addr             string
	DataDir          string
	MySQLDSN         string
	KeysetFile       string
	KeysetEnv        string
	MasterKeysetFile string
	AdminToken       string
	BaseURL          string
	CatalogTTL       time.Duration
	SettingsTTL      time.Duration
	UpstreamTimeout  time.Duration
	RequestTimeout   time.Duration
	LogLevel         string
	LogFormat        string
	CORSOrigins      string
	Scope            string
	ReadTimeout      time.Duration
	WriteTimeout     time.Duration
	MaxConns         int
	MaxUploads       int
	AuthFailureBurst int
	Migrate          bool
	UsageRetention   time.Duration
	UsageBuffer      int
	MetricsAddr      string

	// metrics are the server's Prometheus metrics, set by wire.
	metrics *metrics.Metrics

	// upstream replaces the OpenRouter client's transport (benchmarks
	// serve canned answers through it); nil in the binary.
	upstream http.RoundTripper
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string, def bool) (bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: use true or false", name, v)
	}
	return b, nil
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a whole number", name, v)
	}
	return n, nil
}

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return d, nil
}

// A setting is one flag with its AIMODELS_* variable: a string (str, with
// default def), a duration (dur, with default durDef), a whole number
// (num, with default numDef) or a boolean (boolean, with default boolDef).
type setting struct {
	flag, env, def, help string
	str                  *string
	dur                  *time.Duration
	durDef               time.Duration
	num                  *int
	numDef               int
	boolean              *bool
	boolDef              bool
}

// settings lists every setting of c.
func (c *config) settings() []setting {
	return []setting{
		{flag: "addr", env: "AIMODELS_ADDR", def: "127.0.0.1:8080", help: "listen address", str: &c.Addr},
		{flag: "data-dir", env: "AIMODELS_DATA_DIR", def: "./data", help: "directory of the SQLite file and the generated keyset", str: &c.DataDir},
		{flag: "mysql-dsn", env: "AIMODELS_MYSQL_DSN", help: "MySQL DSN; SQLite in the data dir when empty", str: &c.MySQLDSN},
		{flag: "keyset-file", env: "AIMODELS_KEYSET_FILE", help: "Tink keyset file (default <data-dir>/keyset.json, generated when missing)", str: &c.KeysetFile},
		{flag: "keyset-env", env: "AIMODELS_KEYSET_ENV", help: "name of an environment variable holding the keyset JSON (instead of a file)", str: &c.KeysetEnv},
		{flag: "master-keyset-file", env: "AIMODELS_MASTER_KEYSET_FILE", help: "key-encryption keyset that encrypts the keyset file", str: &c.MasterKeysetFile},
		{flag: "admin-token", env: "AIMODELS_ADMIN_TOKEN", help: "bearer token of the API, at least 32 characters; generated and printed when empty. A flag is visible to every local user (ps): prefer the variable", str: &c.AdminToken},
		{flag: "openrouter-base-url", env: "AIMODELS_OPENROUTER_BASE_URL", def: "https://openrouter.ai/api/v1", help: "OpenRouter API base URL", str: &c.BaseURL},
		{flag: "catalog-ttl", env: "AIMODELS_CATALOG_TTL", durDef: 10 * time.Minute, help: "how long the model catalog is cached", dur: &c.CatalogTTL},
		{flag: "settings-ttl", env: "AIMODELS_SETTINGS_TTL", durDef: 5 * time.Second, help: "how long a stored key, selection and prompts are cached per process (replicas see each other's writes within it)", dur: &c.SettingsTTL},
		{flag: "upstream-timeout", env: "AIMODELS_UPSTREAM_TIMEOUT", durDef: 60 * time.Second, help: "timeout of one attempt of an OpenRouter call", dur: &c.UpstreamTimeout},
		{flag: "request-timeout", env: "AIMODELS_REQUEST_TIMEOUT", durDef: 5 * time.Minute, help: "deadline of one API request, retries and streams included", dur: &c.RequestTimeout},
		{flag: "log-level", env: "AIMODELS_LOG_LEVEL", def: "info", help: "debug, info, warn or error", str: &c.LogLevel},
		{flag: "log-format", env: "AIMODELS_LOG_FORMAT", def: "text", help: "text or json", str: &c.LogFormat},
		{flag: "cors-origins", env: "AIMODELS_CORS_ORIGINS", help: "comma-separated origins allowed by CORS; closed when empty", str: &c.CORSOrigins},
		{flag: "scope", env: "AIMODELS_SCOPE", def: "default", help: "the tenant scope this server serves", str: &c.Scope},
		{flag: "read-timeout", env: "AIMODELS_READ_TIMEOUT", durDef: 2 * time.Minute, help: "how long a client may take to send a whole request, body included", dur: &c.ReadTimeout},
		{flag: "write-timeout", env: "AIMODELS_WRITE_TIMEOUT", durDef: 30 * time.Second, help: "how long a response, or one event of a stream, may wait for a client that does not read it before the connection is dropped", dur: &c.WriteTimeout},
		{flag: "max-conns", env: "AIMODELS_MAX_CONNS", numDef: 512, help: "connections served at once; more wait to be accepted", num: &c.MaxConns},
		{flag: "max-uploads", env: "AIMODELS_MAX_UPLOADS", numDef: 4, help: "large uploads (transcriptions, chat bodies over 1 MB) read and served at once; more are answered 503 with Retry-After", num: &c.MaxUploads},
		{flag: "auth-failure-burst", env: "AIMODELS_AUTH_FAILURE_BURST", numDef: 20, help: "wrong tokens one client address may send before it is answered 429 (it regains one a second)", num: &c.AuthFailureBurst},
		{flag: "usage-retention", env: "AIMODELS_USAGE_RETENTION", durDef: 30 * 24 * time.Hour, help: "how long the usage ledger keeps each request's row (the daily rollups are kept); 0 or less: forever", dur: &c.UsageRetention},
		{flag: "usage-buffer", env: "AIMODELS_USAGE_BUFFER", numDef: 10_000, help: "usage rows held in memory while the database is slow or down; beyond it rows are dropped and counted", num: &c.UsageBuffer},
		{flag: "metrics-addr", env: "AIMODELS_METRICS_ADDR", help: "serve GET /metrics without the admin token on this separate address (such as 127.0.0.1:9090); when empty /metrics is on the main address and needs the admin token", str: &c.MetricsAddr},
		{flag: "migrate", env: "AIMODELS_MIGRATE", boolDef: true, help: "apply pending database migrations at start; with -migrate=false only check that the schema is current, so the database user needs no schema privileges (run aimodels migrate first)", boolean: &c.Migrate},
	}
}

// bind registers the settings named (by flag) on fs, or every setting
// when names is empty, each with its environment variable as default.
// The error is the first variable that does not parse; every flag is
// registered anyway. An unknown name panics: it is a mistake of this
// package.
func (c *config) bind(fs *flag.FlagSet, names ...string) error {
	var err error
	bound := 0
	for _, s := range c.settings() {
		if len(names) > 0 && !slices.Contains(names, s.flag) {
			continue
		}
		bound++
		help := s.help + " (" + s.env + ")"
		switch {
		case s.str != nil:
			fs.StringVar(s.str, s.flag, envOr(s.env, s.def), help)
		case s.num != nil:
			def, nerr := envInt(s.env, s.numDef)
			if nerr != nil && err == nil {
				err = nerr
			}
			fs.IntVar(s.num, s.flag, def, help)
		case s.boolean != nil:
			def, berr := envBool(s.env, s.boolDef)
			if berr != nil && err == nil {
				err = berr
			}
			fs.BoolVar(s.boolean, s.flag, def, help)
		default:
			def, derr := envDuration(s.env, s.durDef)
			if derr != nil && err == nil {
				err = derr
			}
			fs.DurationVar(s.dur, s.flag, def, help)
		}
	}
	if bound < len(names) {
		panic(fmt.Sprintf("aimodels: a setting of %q does not exist", names))
	}
	return err
}

// parseConfig parses the flags of command name (its settings, and the
// flags extra adds) and builds the logger, writing to stderr. -h prints
// the command's usage to stdout and returns flag.ErrHelp.
func parseConfig(name string, args []string, stdout, stderr io.Writer, extra func(*flag.FlagSet)) (*config, *slog.Logger, error) {
	var cfg config
	fs := newFlagSet(name)
	bindErr := cfg.bind(fs, lookup(name).settings...)
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return nil, nil, err
	}
	if bindErr != nil {
		return nil, nil, bindErr
	}
	log, err := cfg.logger(stderr)
	if err != nil {
		return nil, nil, err
	}
	return &cfg, log, nil
}

// keysetPath is the keyset file: the one configured, or keyset.json in
// the data dir.
func (c *config) keysetPath() string {
	if c.KeysetFile != "" {
		return c.KeysetFile
	}
	return filepath.Join(c.DataDir, "keyset.json")
}

// logger returns the logger of c's level and format writing to w: each
// record is one write, straight from slog's handler.
func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToLower(c.LogLevel))); err != nil {
		return nil, fmt.Errorf("AIMODELS_LOG_LEVEL=%q: use debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: durationText}
	switch c.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("AIMODELS_LOG_FORMAT=%q: use text or json", c.LogFormat)
}

// durationText is the handlers' ReplaceAttr: a time.Duration is written
// as Go duration text ("1.5s") in JSON as in text, not as the JSON
// handler's integer nanoseconds.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}
