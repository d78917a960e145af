package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
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

// bind registers every setting on fs with its environment default.
func (c *config) bind(fs *flag.FlagSet) error {
	var err error
	durations := []struct {
		p    *time.Duration
		flag string
		env  string
		def  time.Duration
		help string
	}{
		{&c.CatalogTTL, "catalog-ttl", "AIMODELS_CATALOG_TTL", 10 * time.Minute, "how long the model catalog is cached"},
		{&c.SettingsTTL, "settings-ttl", "AIMODELS_SETTINGS_TTL", 5 * time.Second, "how long a stored key and selection are cached per process (replicas see each other's writes within it)"},
		{&c.UpstreamTimeout, "upstream-timeout", "AIMODELS_UPSTREAM_TIMEOUT", 60 * time.Second, "timeout of one attempt of an OpenRouter call"},
		{&c.RequestTimeout, "request-timeout", "AIMODELS_REQUEST_TIMEOUT", 5 * time.Minute, "deadline of one API request, retries and streams included"},
	}
	for _, d := range durations {
		def, derr := envDuration(d.env, d.def)
		if derr != nil && err == nil {
			err = derr
		}
		fs.DurationVar(d.p, d.flag, def, d.help+" ("+d.env+")")
	}
	strs := []struct {
		p    *string
		flag string
		env  string
		def  string
		help string
	}{
		{&c.Addr, "addr", "AIMODELS_ADDR", "127.0.0.1:8080", "listen address"},
		{&c.DataDir, "data-dir", "AIMODELS_DATA_DIR", "./data", "directory of the SQLite file and the generated keyset"},
		{&c.MySQLDSN, "mysql-dsn", "AIMODELS_MYSQL_DSN", "", "MySQL DSN; SQLite in the data dir when empty"},
		{&c.KeysetFile, "keyset-file", "AIMODELS_KEYSET_FILE", "", "Tink keyset file (default <data-dir>/keyset.json, generated when missing)"},
		{&c.KeysetEnv, "keyset-env", "AIMODELS_KEYSET_ENV", "", "name of an environment variable holding the keyset JSON (instead of a file)"},
		{&c.MasterKeysetFile, "master-keyset-file", "AIMODELS_MASTER_KEYSET_FILE", "", "key-encryption keyset that encrypts the keyset file"},
		{&c.AdminToken, "admin-token", "AIMODELS_ADMIN_TOKEN", "", "bearer token of the API; generated and printed when empty"},
		{&c.BaseURL, "openrouter-base-url", "AIMODELS_OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1", "OpenRouter API base URL"},
		{&c.LogLevel, "log-level", "AIMODELS_LOG_LEVEL", "info", "debug, info, warn or error"},
		{&c.LogFormat, "log-format", "AIMODELS_LOG_FORMAT", "text", "text or json"},
		{&c.CORSOrigins, "cors-origins", "AIMODELS_CORS_ORIGINS", "", "comma-separated origins allowed by CORS; closed when empty"},
		{&c.Scope, "scope", "AIMODELS_SCOPE", "default", "the tenant scope this server serves"},
	}
	for _, s := range strs {
		fs.StringVar(s.p, s.flag, envOr(s.env, s.def), s.help+" ("+s.env+")")
	}
	return err
}

// parseConfig parses a subcommand's flags (extra adds its own) and builds
// the logger, writing to stderr through a buffer; call the returned
// function to flush it before exiting.
func parseConfig(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*config, *slog.Logger, func(), error) {
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.bind(fs); err != nil {
		return nil, nil, nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, nil, err
	}
	lw := newLogWriter(stderr, 100*time.Millisecond)
	log, err := cfg.logger(lw)
	if err != nil {
		_ = lw.Close()
		return nil, nil, nil, err
	}
	return &cfg, log, func() { _ = lw.Close() }, nil
}

func (c *config) keysetPath() string {
	if c.KeysetFile != "" {
		return c.KeysetFile
	}
	return filepath.Join(c.DataDir, "keyset.json")
}

func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToLower(c.LogLevel))); err != nil {
		return nil, fmt.Errorf("AIMODELS_LOG_LEVEL=%q: use debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
