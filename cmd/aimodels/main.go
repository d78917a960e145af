package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aimodels/aimodels/adapters/gormstore"
)

// Exit statuses of the binary.
const (
	exitOK    = 0 // done, or help printed
	exitError = 1 // the command failed
	exitUsage = 2 // the command line is wrong: unknown command, bad flag
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs the command line args and returns the exit status: help is a
// success, a wrong command line is exitUsage, any other error exitError
// (written to stderr).
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "aimodels:", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "aimodels:", err)
	return exitError
}

// usageError is a command line that cannot be run.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// A command is one line of `aimodels help`; -h of the command prints it
// with details and the command's flags.
type command struct {
	name     string   // as typed: "keyset rotate"
	args     string   // what follows the name in its usage line
	summary  string   // its line in the command list
	details  string   // more for its -h, or ""
	settings []string // the config settings it takes (flag names); nil: every one
}

// commands is the command list in the order `aimodels help` shows it;
// run dispatches on the same names.
var commands = []command{
	{name: "serve", args: "[flags]", summary: "run the server (what aimodels does with no command)",
		details: "Every flag is also an AIMODELS_* environment variable (named after the flag); README.md\nexplains them."},
	{name: "keyset init", args: "[flags]", summary: "create the keyset file when there is none",
		settings: []string{"data-dir", "keyset-file", "master-keyset-file", "log-level", "log-format"}},
	{name: "keyset rotate", args: "[flags]", summary: "add a new primary key and re-encrypt every stored key",
		details:  "Then send SIGHUP to running servers (kill -HUP <pid>) so they load the new keyset, and run\n\"aimodels keyset disable-old\". SECURITY.md gives the steps.",
		settings: []string{"data-dir", "mysql-dsn", "keyset-file", "master-keyset-file", "migrate", "log-level", "log-format"}},
	{name: "keyset disable-old", args: "[flags]", summary: "after rotate and SIGHUP, disable every key but the primary",
		details:  "It re-encrypts what is still under an older key, then disables every key but the primary.\nRun it once every server has reloaded the keyset after \"aimodels keyset rotate\".",
		settings: []string{"data-dir", "mysql-dsn", "keyset-file", "master-keyset-file", "migrate", "log-level", "log-format"}},
	{name: "migrate", args: "[flags]", summary: "apply the pending database migrations and exit",
		details: "Run it as a database user allowed to change the schema (CREATE, ALTER, INDEX, DROP), then start\n" +
			"the servers with -migrate=false (AIMODELS_MIGRATE=false) as a user that may only read and write\n" +
			"rows (SELECT, INSERT, UPDATE, DELETE). Running it again changes nothing.",
		settings: []string{"data-dir", "mysql-dsn", "log-level", "log-format"}},
	{name: "version", summary: "print the version, VCS revision and commit time"},
	{name: "help", args: "[command]", summary: "print this list, or one command's flags"},
}

// lookup returns the command called name; it panics on a name missing
// from commands, a mistake of this package.
func lookup(name string) command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	panic("aimodels: no command " + name + " in the command list")
}

// printCommands writes the command list, or only the commands whose name
// starts with group + " " when group is not empty.
func printCommands(w io.Writer, group string) {
	if group == "" {
		fmt.Fprint(w, "aimodels gives an application the AI models it needs from OpenRouter, and a settings UI.\n\n"+
			"usage: aimodels [command] [flags]\n\ncommands:\n")
	} else {
		fmt.Fprintf(w, "usage: aimodels %s <command> [flags]\n\ncommands:\n", group)
	}
	for _, c := range commands {
		if group == "" || strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
		}
	}
	if group == "" {
		fmt.Fprint(w, "\nWith no command, aimodels serves. \"aimodels help <command>\" or \"aimodels <command> -h\"\n"+
			"shows what a command does and its flags.\n")
	}
}

// printUsage writes the -h text of command name: its usage line, its
// summary and details, and the flags defined on fs.
func printUsage(w io.Writer, name string, fs *flag.FlagSet) {
	c := lookup(name)
	fmt.Fprintf(w, "usage: aimodels %s\n\n%s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", c.details)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// newFlagSet returns the flag set of command name, silent: parseFlags
// reports what goes wrong.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args into fs, the flags of command fs.Name(): -h
// prints the command's usage to stdout and returns flag.ErrHelp; a bad
// flag or an argument left over is a usageError.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, fs.Name(), fs)
		return err
	case err != nil:
		return usageErrorf("%s: %w (aimodels %s -h lists its flags)", fs.Name(), err, fs.Name())
	case fs.NArg() > 0:
		return usageErrorf("%s: unexpected argument %q (aimodels %s -h lists its flags)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}

// isHelp reports whether arg asks for help the way the flag package
// understands it.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// run runs the command line args (without the program name). With no
// command, or flags only, it serves.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return serve(ctx, args, stdout, stderr)
	}
	cmd, args := args[0], args[1:]
	switch {
	case cmd == "serve":
		return serve(ctx, args, stdout, stderr)
	case cmd == "keyset":
		return keysetCommand(ctx, args, stdout, stderr)
	case cmd == "migrate":
		return migrateCommand(ctx, args, stdout, stderr)
	case cmd == "version":
		return versionCommand(args, stdout)
	case cmd == "help" || isHelp(cmd):
		return help(ctx, args, stdout, stderr)
	}
	return usageErrorf("unknown command %q (aimodels help lists the commands)", cmd)
}

// help prints the command list, or, given a command, what its -h prints.
func help(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" {
		printCommands(stdout, "")
		return nil
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return usageErrorf("help takes a command, not %q (aimodels help lists the commands)", a)
		}
	}
	switch args[0] {
	case "serve", "keyset", "migrate", "version":
		return run(ctx, append(args[:len(args):len(args)], "-h"), stdout, stderr)
	}
	return usageErrorf("unknown command %q (aimodels help lists the commands)", args[0])
}

// keysetCommand dispatches the keyset subcommands.
func keysetCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("keyset: name a command: init, rotate or disable-old (aimodels keyset -h)")
	}
	switch args[0] {
	case "init":
		return keysetInit(ctx, args[1:], stdout, stderr)
	case "rotate":
		return keysetRotate(ctx, args[1:], stdout, stderr)
	case "disable-old":
		return keysetDisableOld(ctx, args[1:], stdout, stderr)
	}
	if isHelp(args[0]) {
		printCommands(stdout, "keyset")
		return flag.ErrHelp
	}
	return usageErrorf("keyset: unknown command %q (aimodels keyset -h lists them)", args[0])
}

// migrateCommand applies the pending migrations to the store and exits.
func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, log, err := parseConfig("migrate", args, stdout, stderr, nil)
	if err != nil {
		return err
	}
	sc, where, err := storeConfig(cfg, log)
	if err != nil {
		return err
	}
	if err := gormstore.Migrate(ctx, sc); err != nil {
		return fmt.Errorf("migrate %s: %w", where, err)
	}
	fmt.Fprintf(stdout, "database schema up to date: %s\n", where)
	return nil
}

// versionCommand prints the version line.
func versionCommand(args []string, stdout io.Writer) error {
	if err := parseFlags(newFlagSet("version"), args, stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "aimodels", versionString())
	return nil
}
