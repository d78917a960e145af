// Command fakeopenrouter runs the fake OpenRouter API of package
// openroutertest as a standalone process, for tests that run in another
// process (the browser tests, end-to-end scripts).
//
// Usage:
//
//	fakeopenrouter [-addr 127.0.0.1:0] [-key sk-or-v1-...] [-fixtures DIR] [-latency 0s]
//
// Its first line on stdout is "LISTENING http://HOST:PORT/api/v1"; it
// serves until SIGTERM or SIGINT. Faults are set through the control API:
// POST /_fake/fault, POST /_fake/reset, POST /_fake/midstream and
// GET /_fake/requests.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aimodels/aimodels/test/openroutertest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	key := flag.String("key", openroutertest.DefaultAPIKey, "the API key the fake accepts")
	fixtures := flag.String("fixtures", "", "fixtures directory (default: $"+openroutertest.FixturesEnv+" or found by walking up)")
	latency := flag.Duration("latency", 0, "delay before every API response")
	flag.Parse()

	opts := []openroutertest.Option{openroutertest.WithAddr(*addr), openroutertest.WithAPIKey(*key), openroutertest.WithLatency(*latency)}
	if *fixtures != "" {
		opts = append(opts, openroutertest.WithFixturesDir(*fixtures))
	}
	s, err := openroutertest.Start(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeopenrouter:", err)
		os.Exit(1)
	}
	fmt.Println("LISTENING " + s.URL())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	s.Close()
}
