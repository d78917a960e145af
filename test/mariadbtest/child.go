package mariadbtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Child is one mariadbd process a test started (this package's servers and
// test/cluster's nodes): killed with the test process, in a process group
// of its own, and watched until it exits. The zero value has not started;
// Launch may be called again once the process has exited.
type Child struct {
	mu      sync.Mutex
	proc    *os.Process
	done    chan struct{} // closed when proc has exited
	waitErr error
}

// Launch starts bin with args, its output appended to consoleLog, and
// returns the channel closed when the process exits.
func (c *Child) Launch(bin string, args []string, consoleLog string) (<-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		select {
		case <-c.done:
		default:
			return nil, errors.New("the process is already running")
		}
	}
	if err := os.MkdirAll(filepath.Dir(consoleLog), 0o700); err != nil {
		return nil, err
	}
	console, err := os.OpenFile(consoleLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer console.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = console, console
	// Killed with the test process, so a test binary that panics or times
	// out leaves no server behind; its own process group, so a Ctrl-C
	// meant for go test reaches it only through us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := StartChild(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan struct{})
	c.proc, c.done, c.waitErr = cmd.Process, done, nil
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		close(done)
	}()
	return done, nil
}

// PID returns the process id of the running process, 0 when it never ran.
func (c *Child) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return 0
	}
	return c.proc.Pid
}

// Running reports whether the process is alive.
func (c *Child) Running() bool {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Done returns the channel closed when the last launched process exits
// (nil before the first Launch).
func (c *Child) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// WaitErr returns what the exited process's Wait returned.
func (c *Child) WaitErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waitErr
}

// ErrStillRunning is returned by Signal when the process outlives its wait.
var ErrStillRunning = errors.New("the process is still running")

// Signal sends sig to the running process and waits up to wait for it to
// exit; after that it returns an error wrapping ErrStillRunning.
func (c *Child) Signal(sig syscall.Signal, wait time.Duration) error {
	c.mu.Lock()
	proc, done := c.proc, c.done
	c.mu.Unlock()
	if proc == nil {
		return errors.New("the process was never started")
	}
	select {
	case <-done:
		return errors.New("the process is not running")
	default:
	}
	if err := proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal pid %d: %w", proc.Pid, err)
	}
	select {
	case <-done:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("pid %d %w %v after %v", proc.Pid, ErrStillRunning, wait, sig)
	}
}
