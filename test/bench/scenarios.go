package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/aimodels/aimodels/test/openroutertest"
)

// Config bounds a run. The defaults (DefaultConfig) keep a full run, the
// builds included, near five minutes on two cores.
type Config struct {
	Root         string        // module root
	WorkDir      string        // binaries, data dirs, logs
	Self         string        // this program, re-run as the bare server and the bare proxy
	Latency      time.Duration // the fake upstream's fixed latency
	Phase        time.Duration // length of one measured phase
	Rounds       int           // alternations of baseline and aimodels per scenario
	Rates        []int         // fixed rates of the chat scenario (req/s), one scenario each
	StreamRate   int           // fixed rate of the streaming scenario (req/s)
	MaxConns     int           // workers of the maximum-rate chat scenario
	CatalogConns int           // workers of the catalog scenario
	LogLevel     string        // AIMODELS_LOG_LEVEL of the server (info logs one line per request)
	Log          io.Writer     // progress
	Model        string        // the model id the selection points to
	AdminToken   string
	SkipCatalog  bool
	SkipRequests bool
	ServerStderr io.Writer // the server's log (default: a file in WorkDir)
	ExtraEnv     []string  // more AIMODELS_* settings of the server(s)
	// CatalogVarEnc are the Accept-Encoding values of the catalog
	// scenario, one scenario each.
	CatalogVarEnc []string
	// PprofDir, when set, builds the server with net/http/pprof added
	// through a go build -overlay (the repository is not touched) and
	// saves a CPU profile of the server's first aimodels phase of each
	// scenario there.
	PprofDir string
	// Overlay is a go build -overlay file applied to the server build,
	// to measure a change to the server without editing the repository.
	Overlay string
	// RefSrc, when set, is another checkout of the module (such as a git
	// worktree of the commit before a change): its cmd/aimodels is built
	// too, started next to this tree's server with a data dir of its own,
	// and measured in every round of every scenario, so that one run
	// gives the figures of both builds against the same baselines.
	RefSrc   string
	pprofURL string
}

// DefaultConfig returns the settings of BENCHMARKS.md.
func DefaultConfig() Config {
	return Config{
		Latency: 10 * time.Millisecond, Phase: 3 * time.Second, Rounds: 5,
		Rates: []int{200, 500, 1000}, StreamRate: 200, MaxConns: 64, CatalogConns: 8,
		LogLevel: "info", Model: "openai/gpt-4o-mini",
		AdminToken: "bench-admin-token-0123456789abcdef0123", CatalogVarEnc: []string{"gzip", "identity"},
	}
}

// Side is one target of a scenario: its result in every round, and the
// rounds merged.
type Side struct {
	Rounds []*Result
	All    *Result
}

// Pair is one scenario: the baseline and aimodels, and the other targets
// measured in the same rounds.
type Pair struct {
	Scenario string
	Load     Load
	Base     *Side // the bare server, or the request straight to the fake
	AIM      *Side // the server built from this tree
	// Ref is the server built from Config.RefSrc (nil without it).
	Ref *Side
	// Proxy is the same request through a bare httputil.ReverseProxy to
	// the fake: the cost of one more loopback hop with nothing else (chat
	// scenarios only).
	Proxy *Side
}

// Report is everything one run measured.
type Report struct {
	Started time.Time
	Machine string
	Config  Config
	// Commit and RefCommit describe the two checkouts (git describe
	// --always --dirty).
	Commit, RefCommit string
	Catalog           []Pair // one per Accept-Encoding
	CatalogLen        [2]int // plain and gzip body sizes
	Fixed             []Pair // chat at each of Config.Rates
	Max               Pair   // chat at the maximum rate
	Stream            Pair
	// IdleMem and LoadedMem are the server's memory after start and
	// after all the load; RefIdleMem and RefLoadedMem the reference
	// build's.
	IdleMem, LoadedMem       Memory
	RefIdleMem, RefLoadedMem Memory
	Elapsed                  time.Duration
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

// server is one started aimodels with its key and selection saved and
// its catalog loaded.
type server struct {
	proc *Proc
	// plain and gzip are its cached catalog answers; header the plain
	// one's headers.
	plain, gzip []byte
	header      http.Header
}

func (s *server) pid() int { return s.proc.Cmd.Process.Pid }

// startServer starts bin as aimodels serve on a free port with its data
// in dataDir, saves the fake's key and a text selection through the API
// and loads the catalog in both encodings.
func startServer(ctx context.Context, cfg *Config, name, bin, dataDir, fakeURL string, extraEnv []string, stderr io.Writer) (*server, error) {
	env := append([]string{
		"AIMODELS_ADDR=127.0.0.1:0",
		"AIMODELS_DATA_DIR=" + dataDir,
		"AIMODELS_ADMIN_TOKEN=" + cfg.AdminToken,
		"AIMODELS_OPENROUTER_BASE_URL=" + fakeURL,
		"AIMODELS_CATALOG_TTL=1h",
		"AIMODELS_MYSQL_DSN=",
		"AIMODELS_LOG_LEVEL=" + cfg.LogLevel,
	}, extraEnv...)
	p, err := Start(ctx, name, bin, []string{"serve"}, env, "Open the settings:", stderr)
	if err != nil {
		return nil, err
	}
	s := &server{proc: p}
	if err := s.prepare(ctx, cfg); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

func (s *server) prepare(ctx context.Context, cfg *Config) error {
	if err := WaitHTTP(s.proc.URL+"/healthz", 30*time.Second); err != nil {
		return err
	}
	admin := adminHeader(cfg)
	setup := NewClient(4)
	defer setup.CloseIdleConnections()
	if err := call(ctx, setup, "PUT", s.proc.URL+"/api/v1/settings/api-keys/openrouter", admin, fmt.Sprintf(`{"key":%q}`, openroutertest.DefaultAPIKey), nil); err != nil {
		return fmt.Errorf("set key: %w", err)
	}
	if err := call(ctx, setup, "PUT", s.proc.URL+"/api/v1/settings/openrouter/selection", admin, fmt.Sprintf(`{"text":%q}`, cfg.Model), nil); err != nil {
		return fmt.Errorf("save selection: %w", err)
	}
	// The first GET fetches the catalog upstream; the answers are what
	// the bare server repeats.
	for _, enc := range []string{"identity", "gzip"} {
		h := admin.Clone()
		h.Set("Accept-Encoding", enc)
		var resp *http.Response
		var body []byte
		if err := call(ctx, setup, "GET", s.catalogURL(), h, "", func(r *http.Response, b []byte) { resp, body = r, b }); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		if enc == "identity" {
			s.plain, s.header = body, resp.Header.Clone()
			for _, k := range []string{"Date", "Content-Length", "Content-Encoding"} {
				s.header.Del(k)
			}
		} else if s.gzip = body; resp.Header.Get("Content-Encoding") != "gzip" {
			return fmt.Errorf("catalog: no gzip answer to Accept-Encoding: gzip")
		}
	}
	return nil
}

func (s *server) catalogURL() string { return s.proc.URL + "/api/v1/settings/openrouter/models" }

func adminHeader(cfg *Config) http.Header {
	return http.Header{"Authorization": {"Bearer " + cfg.AdminToken}, "Content-Type": {"application/json"}}
}

func logFile(cfg *Config, name string) (*os.File, error) {
	return os.Create(filepath.Join(cfg.WorkDir, name))
}

// Run builds and starts the fake upstream, the server (and the
// reference build's), the bare server and the bare proxy, runs every
// scenario and stops them.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Started: time.Now(), Config: cfg, Machine: Machine(), LoadBefore: LoadAvg(), Commit: describe(cfg.Root)}
	var err error
	logf(&cfg, "building aimodels and the fake upstream…")
	var overlay string
	var pprofAddr string
	if overlay, err = writeOverlay(cfg.Root, cfg.WorkDir, cfg.Overlay, cfg.PprofDir != ""); err != nil {
		return nil, err
	}
	srvEnv := cfg.ExtraEnv
	if cfg.PprofDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		srvEnv = append(srvEnv[:len(srvEnv):len(srvEnv)], "AIMODELS_BENCH_PPROF="+pprofAddr)
	}
	srvBin, err := Build(ctx, cfg.Root, cfg.WorkDir, "./cmd/aimodels", overlay)
	if err != nil {
		return nil, err
	}
	var refBin string
	if cfg.RefSrc != "" {
		rep.RefCommit = describe(cfg.RefSrc)
		logf(&cfg, "building the reference server from %s (%s)…", cfg.RefSrc, rep.RefCommit)
		dir := filepath.Join(cfg.WorkDir, "ref")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if refBin, err = Build(ctx, cfg.RefSrc, dir, "./cmd/aimodels", ""); err != nil {
			return nil, err
		}
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
		f, err := logFile(&cfg, "aimodels.log")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		stderr = f
	}
	srv, err := startServer(ctx, &cfg, "aimodels", srvBin, filepath.Join(cfg.WorkDir, "data"), fake.URL, srvEnv, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.proc.Stop()
	rep.CatalogLen = [2]int{len(srv.plain), len(srv.gzip)}
	var ref *server
	if refBin != "" {
		f, err := logFile(&cfg, "aimodels-ref.log")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if ref, err = startServer(ctx, &cfg, "aimodels (reference build)", refBin, filepath.Join(cfg.WorkDir, "ref-data"), fake.URL, cfg.ExtraEnv, f); err != nil {
			return nil, err
		}
		defer ref.proc.Stop()
	}
	if pprofAddr != "" {
		cfg.pprofURL = "http://" + pprofAddr + "/debug/pprof/profile"
		if err := os.MkdirAll(cfg.PprofDir, 0o755); err != nil {
			return nil, err
		}
	}
	time.Sleep(time.Second)
	if rep.IdleMem, err = ReadMemory(srv.pid()); err != nil {
		return nil, err
	}
	logf(&cfg, "idle server with the catalog loaded: RSS %.1f MB", mb(rep.IdleMem.RSS))
	if ref != nil {
		if rep.RefIdleMem, err = ReadMemory(ref.pid()); err != nil {
			return nil, err
		}
		logf(&cfg, "idle reference server: RSS %.1f MB", mb(rep.RefIdleMem.RSS))
	}
	// refTarget is t aimed at the reference server (nil without one).
	refTarget := func(t Target, url string) *Target {
		if ref == nil {
			return nil
		}
		t.Name, t.URL, t.PID = "reference build", url, ref.pid()
		return &t
	}
	admin := adminHeader(&cfg)

	if !cfg.SkipCatalog {
		bj, _ := json.Marshal(&BareResponse{Header: srv.header, Plain: srv.plain, Gzip: srv.gzip})
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
			base := &Target{Name: "bare net/http", Target: vegeta.Target{Method: "GET", URL: bp.URL + "/api/v1/settings/openrouter/models", Header: h}, PID: bp.Cmd.Process.Pid}
			aim := &Target{Name: "aimodels", Target: vegeta.Target{Method: "GET", URL: srv.catalogURL(), Header: h}, PID: srv.pid()}
			var rt *Target
			if ref != nil {
				rt = refTarget(*aim, ref.catalogURL())
			}
			logf(&cfg, "catalog (%s): %d rounds of %v per side, %d workers…", enc, cfg.Rounds, cfg.Phase, cfg.CatalogConns)
			rep.Catalog = append(rep.Catalog, alternate(ctx, &cfg, "catalog "+enc, Load{Conns: cfg.CatalogConns}, cfg.CatalogConns, "", base, aim, rt, nil))
		}
		bp.Stop()
	}

	if !cfg.SkipRequests {
		direct := http.Header{"Authorization": {"Bearer " + openroutertest.DefaultAPIKey}, "Content-Type": {"application/json"}}
		msg := `"messages":[{"role":"user","content":"Say hello in one short sentence."}]`
		base := &Target{Name: "direct to fake", Target: vegeta.Target{Method: "POST", URL: fake.URL + "/chat/completions", Header: direct,
			Body: []byte(fmt.Sprintf(`{"model":%q,%s}`, cfg.Model, msg))}}
		aim := &Target{Name: "via aimodels", Target: vegeta.Target{Method: "POST", URL: srv.proc.URL + "/api/v1/chat/completions", Header: admin,
			Body: []byte(`{"model":"text",` + msg + `}`)}, PID: srv.pid()}
		var rt *Target
		if ref != nil {
			rt = refTarget(*aim, ref.proc.URL+"/api/v1/chat/completions")
		}
		reset := fakeRoot + "/_fake/reset"
		pp, err := Start(ctx, "bare proxy", cfg.Self, []string{"proxy", "-addr", "127.0.0.1:0", "-to", fakeRoot}, nil, "LISTENING", os.Stderr)
		if err != nil {
			return nil, err
		}
		defer pp.Stop()
		px := *base
		px.Name, px.URL, px.PID = "bare proxy", pp.URL+openroutertest.APIPrefix+"/chat/completions", pp.Cmd.Process.Pid

		for _, rate := range cfg.Rates {
			logf(&cfg, "requests at %d req/s: %d rounds of %v per side (upstream latency %v)…", rate, cfg.Rounds, cfg.Phase, cfg.Latency)
			rep.Fixed = append(rep.Fixed, alternate(ctx, &cfg, fmt.Sprintf("chat @%d/s", rate), Load{Rate: rate}, 256, reset, base, aim, rt, &px))
		}
		logf(&cfg, "requests at maximum rate: %d rounds of %v per side, %d workers…", cfg.Rounds, cfg.Phase, cfg.MaxConns)
		rep.Max = alternate(ctx, &cfg, "chat max", Load{Conns: cfg.MaxConns}, cfg.MaxConns, reset, base, aim, rt, &px)

		sb, sa := *base, *aim
		sb.Body = []byte(fmt.Sprintf(`{"model":%q,"stream":true,%s}`, cfg.Model, msg))
		sa.Body = []byte(`{"model":"text","stream":true,` + msg + `}`)
		sb.FirstEvent, sa.FirstEvent = true, true
		var sr *Target
		if rt != nil {
			sr = refTarget(sa, rt.URL)
		}
		logf(&cfg, "streaming at %d req/s: time to first event, %d rounds of %v per side…", cfg.StreamRate, cfg.Rounds, cfg.Phase)
		rep.Stream = alternate(ctx, &cfg, fmt.Sprintf("stream TTFB @%d/s", cfg.StreamRate), Load{Rate: cfg.StreamRate}, 64, reset, &sb, &sa, sr, nil)
		rep.LoadedMem, _ = ReadMemory(srv.pid())
		if ref != nil {
			rep.RefLoadedMem, _ = ReadMemory(ref.pid())
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Elapsed = time.Since(rep.Started)
	rep.LoadAfter = LoadAvg()
	return rep, nil
}

// alternate runs the baseline, aimodels, the reference build and the
// proxy (the last two when not nil) cfg.Rounds times with load l, each
// phase on a fresh client of conns connections after a 300 ms
// closed-loop warm-up on it, and merges the rounds. aimodels and the
// reference build swap places every other round, so that neither always
// runs first.
func alternate(ctx context.Context, cfg *Config, name string, l Load, conns int, reset string, base, aim, ref, proxy *Target) Pair {
	p := Pair{Scenario: name, Load: l}
	sides := map[*Target]*Side{}
	for _, s := range []struct {
		t    *Target
		side **Side
	}{{base, &p.Base}, {aim, &p.AIM}, {ref, &p.Ref}, {proxy, &p.Proxy}} {
		if s.t != nil {
			*s.side = &Side{All: &Result{Target: s.t.Name}}
			sides[s.t] = *s.side
		}
	}
	for r := range cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		order := []*Target{base, aim, ref, proxy}
		if r%2 == 1 {
			order[1], order[2] = ref, aim
		}
		for _, t := range order {
			if t == nil {
				continue
			}
			side := sides[t]
			if reset != "" {
				_ = call(ctx, NewClient(1), "POST", reset, nil, "", nil)
			}
			c := NewClient(conns)
			// Warm-up: open the connections and fill caches on both hops.
			Attack(ctx, c, t, Load{Conns: min(conns, 16)}, 300*time.Millisecond, nil)
			runtime.GC()
			var prof chan error
			if t == aim && r == 0 && cfg.pprofURL != "" {
				prof = make(chan error, 1)
				go func() {
					prof <- saveProfile(ctx, cfg.pprofURL, cfg.Phase, filepath.Join(cfg.PprofDir, fileName(name)+".pprof"))
				}()
			}
			res := Attack(ctx, c, t, l, cfg.Phase, side.All)
			if prof != nil {
				if err := <-prof; err != nil {
					logf(cfg, "    profile: %v", err)
				}
			}
			c.CloseIdleConnections()
			cpu := ""
			if t.PID != 0 {
				cpu = fmt.Sprintf("  CPU %.0f ms/1k (%v)", res.CPUPer1000(), res.CPU)
			}
			logf(cfg, "  round %d %-15s sent %6.0f/s %8.0f ok/s  p50 %-9v p99 %-9v errors %d%s",
				r+1, t.Name, res.Metrics.Rate, res.RPS(), res.Pct(0.50).Round(time.Microsecond), res.Pct(0.99).Round(time.Microsecond), res.Errors, cpu)
			if res.FirstErr != "" {
				logf(cfg, "    first error: %s", res.FirstErr)
			}
			side.Rounds = append(side.Rounds, res)
		}
	}
	for _, s := range sides {
		s.All.Close()
	}
	return p
}

// describe returns git describe --always --dirty of the checkout dir, or
// "?" when git cannot tell.
func describe(dir string) string {
	out, err := exec.Command("git", "-C", dir, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
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
