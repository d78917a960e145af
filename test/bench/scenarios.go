package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aimodels/aimodels/test/openroutertest"
)

// Config bounds a run. The defaults (DefaultConfig) keep a full run, the
// builds included, under three minutes on two cores.
type Config struct {
	Root          string        // module root
	WorkDir       string        // binaries, data dir, logs
	Self          string        // this program, re-run as the bare server ("bare" subcommand)
	Latency       time.Duration // the fake upstream's fixed latency
	Phase         time.Duration // length of one measured phase
	Rounds        int           // alternations of baseline and aimodels per scenario
	Rate          float64       // fixed rate of the request scenario (req/s)
	StreamRate    float64       // fixed rate of the streaming scenario (req/s)
	MaxConns      int           // concurrency of the maximum-rate request scenario
	CatalogConns  int           // concurrency of the catalog scenario
	LogLevel      string        // AIMODELS_LOG_LEVEL of the server (info logs one line per request)
	MaxPerPhase   int           // bound on requests started in one closed-loop phase
	Log           io.Writer     // progress
	Model         string        // the model id the selection points to
	AdminToken    string
	SkipCatalog   bool
	SkipRequests  bool
	ServerStderr  io.Writer // the server's log (default: a file in WorkDir)
	ExtraEnv      []string  // more AIMODELS_* settings of the server
	CatalogVarEnc []string  // Accept-Encoding values of the catalog scenario
	// PprofDir, when set, builds the server with net/http/pprof added
	// through a go build -overlay (the repository is not touched) and
	// saves a CPU profile of the server's first aimodels phase of each
	// scenario there.
	PprofDir string
	// Overlay is a go build -overlay file applied to the server build,
	// to measure a change to the server without editing the repository.
	Overlay  string
	pprofURL string
}

// DefaultConfig returns the settings of BENCHMARKS.md.
func DefaultConfig() Config {
	return Config{
		Latency: 10 * time.Millisecond, Phase: 3 * time.Second, Rounds: 5,
		Rate: 1000, StreamRate: 200, MaxConns: 64, CatalogConns: 8,
		LogLevel: "info", MaxPerPhase: 200_000, Model: "openai/gpt-4o-mini",
		AdminToken: "bench-admin-token", CatalogVarEnc: []string{"gzip", "identity"},
	}
}

// Pair is one scenario's baseline and aimodels results.
type Pair struct {
	Scenario string
	Base     *Result
	AIM      *Result
	// Proxy is the same request through a bare httputil.ReverseProxy to
	// the fake: the cost of one more loopback hop with nothing else.
	Proxy *Result
	// BaseRounds, AIMRounds and ProxyRounds are the rounds before
	// merging: round i of each ran back to back, so figures paired by
	// round cancel the machine's slow drift (see roundStat).
	BaseRounds, AIMRounds, ProxyRounds []*Result
}

// Report is everything one run measured.
type Report struct {
	Started    time.Time
	Machine    string
	Config     Config
	Catalog    []Pair // one per Accept-Encoding
	CatalogLen [2]int // plain and gzip body sizes
	Fixed      Pair
	Max        Pair
	Stream     Pair
	IdleMem    Memory
	LoadedMem  Memory // after all load
	Elapsed    time.Duration
	// LoadBefore and LoadAfter are /proc/loadavg at the start and end:
	// other work on the machine skews every figure (both sides alike only
	// when it is steady).
	LoadBefore, LoadAfter string
}

func logf(cfg *Config, format string, args ...any) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, format+"\n", args...)
	}
}

// Run builds and starts the fake upstream, the server and the bare
// server, runs every scenario and stops them.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Started: time.Now(), Config: cfg, Machine: Machine(), LoadBefore: LoadAvg()}
	var err error
	logf(&cfg, "building aimodels and the fake upstream…")
	var overlay string
	var pprofAddr string
	if overlay, err = writeOverlay(cfg.Root, cfg.WorkDir, cfg.Overlay, cfg.PprofDir != ""); err != nil {
		return nil, err
	}
	if cfg.PprofDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		cfg.ExtraEnv = append(cfg.ExtraEnv, "AIMODELS_BENCH_PPROF="+pprofAddr)
	}
	srvBin, err := Build(ctx, cfg.Root, cfg.WorkDir, "./cmd/aimodels", overlay)
	if err != nil {
		return nil, err
	}
	fakeBin, err := Build(ctx, cfg.Root, cfg.WorkDir, "./test/openroutertest/cmd/fakeopenrouter", "")
	if err != nil {
		return nil, err
	}
	fake, err := Start(ctx, "fakeopenrouter", fakeBin, []string{"-addr", "127.0.0.1:0", "-latency", cfg.Latency.String()}, nil, "LISTENING", nil)
	if err != nil {
		return nil, err
	}
	defer fake.Stop()
	fakeRoot := strings.TrimSuffix(fake.URL, openroutertest.APIPrefix)

	stderr := cfg.ServerStderr
	if stderr == nil {
		f, err := os.Create(filepath.Join(cfg.WorkDir, "aimodels.log"))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		stderr = f
	}
	env := append([]string{
		"AIMODELS_ADDR=127.0.0.1:0",
		"AIMODELS_DATA_DIR=" + filepath.Join(cfg.WorkDir, "data"),
		"AIMODELS_ADMIN_TOKEN=" + cfg.AdminToken,
		"AIMODELS_OPENROUTER_BASE_URL=" + fake.URL,
		"AIMODELS_CATALOG_TTL=1h",
		"AIMODELS_MYSQL_DSN=",
		"AIMODELS_LOG_LEVEL=" + cfg.LogLevel,
	}, cfg.ExtraEnv...)
	srv, err := Start(ctx, "aimodels", srvBin, []string{"serve"}, env, "Open the settings:", stderr)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	if err := WaitHTTP(srv.URL+"/healthz", 30*time.Second); err != nil {
		return nil, err
	}
	if pprofAddr != "" {
		cfg.pprofURL = "http://" + pprofAddr + "/debug/pprof/profile"
		if err := os.MkdirAll(cfg.PprofDir, 0o755); err != nil {
			return nil, err
		}
	}
	admin := http.Header{"Authorization": {"Bearer " + cfg.AdminToken}, "Content-Type": {"application/json"}}
	setup := NewClient(4)
	if err := call(ctx, setup, "PUT", srv.URL+"/api/v1/settings/api-keys/openrouter", admin, fmt.Sprintf(`{"key":%q}`, openroutertest.DefaultAPIKey), nil); err != nil {
		return nil, fmt.Errorf("set key: %w", err)
	}
	if err := call(ctx, setup, "PUT", srv.URL+"/api/v1/settings/openrouter/selection", admin, fmt.Sprintf(`{"text":%q}`, cfg.Model), nil); err != nil {
		return nil, fmt.Errorf("save selection: %w", err)
	}
	// Load the catalog (the first GET fetches it upstream), then record
	// the cached answers the bare server will repeat.
	catURL := srv.URL + "/api/v1/settings/openrouter/models"
	bare := &BareResponse{}
	for _, enc := range []string{"identity", "gzip"} {
		h := admin.Clone()
		h.Set("Accept-Encoding", enc)
		var resp *http.Response
		var body []byte
		if err := call(ctx, setup, "GET", catURL, h, "", func(r *http.Response, b []byte) { resp, body = r, b }); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		if enc == "gzip" {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				return nil, fmt.Errorf("catalog: no gzip answer to Accept-Encoding: gzip")
			}
			bare.Gzip = body
			rep.CatalogLen[1] = len(body)
		} else {
			bare.Plain = body
			rep.CatalogLen[0] = len(body)
			bare.Header = resp.Header.Clone()
			for _, k := range []string{"Date", "Content-Length", "Content-Encoding"} {
				bare.Header.Del(k)
			}
		}
	}
	setup.CloseIdleConnections()
	time.Sleep(time.Second)
	rep.IdleMem, err = ReadMemory(srv.Cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	logf(&cfg, "idle server with the catalog loaded: RSS %.1f MB", mb(rep.IdleMem.RSS))

	if !cfg.SkipCatalog {
		bj, _ := json.Marshal(bare)
		bf := filepath.Join(cfg.WorkDir, "bare.json")
		if err := os.WriteFile(bf, bj, 0o600); err != nil {
			return nil, err
		}
		bp, err := Start(ctx, "bare", cfg.Self, []string{"bare", "-addr", "127.0.0.1:0", "-file", bf}, nil, "LISTENING", os.Stderr)
		if err != nil {
			return nil, err
		}
		for _, enc := range cfg.CatalogVarEnc {
			h := admin.Clone()
			h.Del("Content-Type")
			h.Set("Accept-Encoding", enc)
			base := &Target{Name: "bare net/http", Method: "GET", URL: bp.URL + "/api/v1/settings/openrouter/models", Header: h}
			aim := &Target{Name: "aimodels", Method: "GET", URL: catURL, Header: h}
			logf(&cfg, "catalog (%s): %d rounds of %v per side, %d connections…", enc, cfg.Rounds, cfg.Phase, cfg.CatalogConns)
			p := alternate(ctx, &cfg, "catalog "+enc, base, aim, func(c *http.Client, t *Target) *Result {
				return Closed(ctx, c, t, cfg.CatalogConns, cfg.Phase, cfg.MaxPerPhase)
			}, cfg.CatalogConns, "")
			rep.Catalog = append(rep.Catalog, p)
		}
		bp.Stop()
	}

	if !cfg.SkipRequests {
		direct := http.Header{"Authorization": {"Bearer " + openroutertest.DefaultAPIKey}, "Content-Type": {"application/json"}}
		msg := `"messages":[{"role":"user","content":"Say hello in one short sentence."}]`
		base := &Target{Name: "direct to fake", Method: "POST", URL: fake.URL + "/chat/completions", Header: direct,
			Body: []byte(fmt.Sprintf(`{"model":%q,%s}`, cfg.Model, msg))}
		aim := &Target{Name: "via aimodels", Method: "POST", URL: srv.URL + "/api/v1/chat/completions", Header: admin,
			Body: []byte(`{"model":"text",` + msg + `}`)}
		reset := fakeRoot + "/_fake/reset"
		pp, err := Start(ctx, "bare proxy", cfg.Self, []string{"proxy", "-addr", "127.0.0.1:0", "-to", fakeRoot}, nil, "LISTENING", os.Stderr)
		if err != nil {
			return nil, err
		}
		defer pp.Stop()
		px := *base
		px.Name = "bare proxy"
		px.URL = pp.URL + openroutertest.APIPrefix + "/chat/completions"

		logf(&cfg, "requests at %.0f req/s: %d rounds of %v per side (upstream latency %v)…", cfg.Rate, cfg.Rounds, cfg.Phase, cfg.Latency)
		rep.Fixed = alternate(ctx, &cfg, fmt.Sprintf("chat @%.0f/s", cfg.Rate), base, aim, func(c *http.Client, t *Target) *Result {
			return Open(ctx, c, t, cfg.Rate, cfg.Phase, 4096)
		}, 256, reset, &px)

		logf(&cfg, "requests at maximum rate: %d rounds of %v per side, %d connections…", cfg.Rounds, cfg.Phase, cfg.MaxConns)
		rep.Max = alternate(ctx, &cfg, "chat max", base, aim, func(c *http.Client, t *Target) *Result {
			return Closed(ctx, c, t, cfg.MaxConns, cfg.Phase, cfg.MaxPerPhase)
		}, cfg.MaxConns, reset, &px)

		sb, sa := *base, *aim
		sb.Body = []byte(fmt.Sprintf(`{"model":%q,"stream":true,%s}`, cfg.Model, msg))
		sa.Body = []byte(`{"model":"text","stream":true,` + msg + `}`)
		sb.FirstEvent, sa.FirstEvent = true, true
		logf(&cfg, "streaming at %.0f req/s: time to first event, %d rounds of %v per side…", cfg.StreamRate, cfg.Rounds, cfg.Phase)
		rep.Stream = alternate(ctx, &cfg, fmt.Sprintf("stream TTFB @%.0f/s", cfg.StreamRate), &sb, &sa, func(c *http.Client, t *Target) *Result {
			return Open(ctx, c, t, cfg.StreamRate, cfg.Phase, 4096)
		}, 64, reset)
		rep.LoadedMem, _ = ReadMemory(srv.Cmd.Process.Pid)
	}
	rep.Elapsed = time.Since(rep.Started)
	rep.LoadAfter = LoadAvg()
	return rep, nil
}

// alternate runs baseline then aimodels cfg.Rounds times (ABAB…), each
// phase on a fresh client after a short warm-up, and merges the rounds.
func alternate(ctx context.Context, cfg *Config, name string, base, aim *Target, run func(*http.Client, *Target) *Result, conns int, reset string, proxy ...*Target) Pair {
	var bs, as, ps []*Result
	for r := range cfg.Rounds {
		for _, t := range append([]*Target{base, aim}, proxy...) {
			if reset != "" {
				_ = call(ctx, NewClient(1), "POST", reset, nil, "", nil)
			}
			c := NewClient(conns)
			// Warm-up: open the connections and fill caches on both hops.
			Closed(ctx, c, t, min(conns, 16), 300*time.Millisecond, 2000)
			runtime.GC()
			var prof chan error
			if t == aim && r == 0 && cfg.pprofURL != "" {
				prof = make(chan error, 1)
				go func() {
					prof <- saveProfile(ctx, cfg.pprofURL, cfg.Phase, filepath.Join(cfg.PprofDir, fileName(name)+".pprof"))
				}()
			}
			res := run(c, t)
			if prof != nil {
				if err := <-prof; err != nil {
					logf(cfg, "    profile: %v", err)
				}
			}
			c.CloseIdleConnections()
			logf(cfg, "  round %d %-15s %8.0f req/s  p50 %-9v p99 %-9v errors %d dropped %d",
				r+1, t.Name, res.RPS(), res.Pct(0.50).Round(time.Microsecond), res.Pct(0.99).Round(time.Microsecond), res.Errors, res.Dropped)
			if res.FirstErr != nil {
				logf(cfg, "    first error: %v", res.FirstErr)
			}
			switch t {
			case base:
				bs = append(bs, res)
			case aim:
				as = append(as, res)
			default:
				ps = append(ps, res)
			}
		}
	}
	p := Pair{Scenario: name, Base: Merge(bs...), AIM: Merge(as...), BaseRounds: bs, AIMRounds: as, ProxyRounds: ps}
	if len(ps) > 0 {
		p.Proxy = Merge(ps...)
	}
	return p
}

// call sends one request and fails on a non-2xx status.
func call(ctx context.Context, c *http.Client, method, url string, h http.Header, body string, fn func(*http.Response, []byte)) error {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(b))
	}
	if fn != nil {
		fn(resp, b)
	}
	return nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// Machine describes this machine: CPU model, cores, memory, kernel, Go.
func Machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	memTotal := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if l, _, ok := strings.Cut(string(b), "\n"); ok {
			memTotal = strings.Join(strings.Fields(strings.TrimPrefix(l, "MemTotal:")), " ")
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d logical CPUs (GOMAXPROCS %d), %s RAM, Linux %s, %s %s/%s",
		cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), memTotal, kernel, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// LoadAvg returns the 1, 5 and 15 minute load averages of /proc/loadavg.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
