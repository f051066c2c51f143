//go:build chaos || cluster

package chaos_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const adminToken = "chaos-admin-token-0123456789abcdef" // 32+ characters: serve refuses a shorter one

// binary is the powercheck binary under test: $POWERCHECK_CHAOS_BIN, or one
// that TestMain builds from this module.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	binary = os.Getenv("POWERCHECK_CHAOS_BIN")
	if binary == "" {
		dir, err := os.MkdirTemp("", "pcchaos-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "powercheck")
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/powercheck")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build powercheck: %v\n%s", err, out)
			return 1
		}
		fmt.Fprintf(os.Stderr, "built %s in %s\n", binary, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// node is one powercheck serve process.
type node struct {
	t      testing.TB
	name   string
	base   string
	cmd    *exec.Cmd
	exited chan struct{}
	log    string // its stderr, a file
}

// startNode runs `powercheck serve` on a free port against dsn and returns
// once it listens; it is stopped (SIGTERM) when the test ends.
func startNode(t testing.TB, name, dsn string, extra ...string) *node {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "POWERCHECK_BOOTSTRAP_TOKEN="+adminToken, "POWERCHECK_LOG_LEVEL=info")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	n := &node{t: t, name: name, cmd: cmd, exited: make(chan struct{}), log: logPath}
	go func() { _ = cmd.Wait(); logFile.Close(); close(n.exited) }()
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, tail(logPath, 40))
		}
	})
	addr := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if a, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
				addr <- a
			}
		}
	}()
	select {
	case n.base = <-addr:
		return n
	case <-n.exited:
		t.Fatalf("%s exited before listening:\n%s", name, tail(logPath, 40))
	case <-time.After(120 * time.Second):
		t.Fatalf("%s did not start within 2 minutes:\n%s", name, tail(logPath, 40))
	}
	return nil
}

// kill sends SIGKILL and waits until the process is gone.
func (n *node) kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

// stop asks the process to shut down and kills it if it does not.
func (n *node) stop() {
	if !signalAndWait(n.cmd.Process, n.exited, syscall.SIGTERM, 30*time.Second) {
		n.t.Errorf("%s did not stop on SIGTERM within 30 s; killed", n.name)
		n.kill()
	}
}

// signalAndWait sends sig to p unless it has exited already, and reports
// whether it has exited within limit.
func signalAndWait(p *os.Process, exited <-chan struct{}, sig syscall.Signal, limit time.Duration) bool {
	select {
	case <-exited:
		return true
	default:
	}
	_ = p.Signal(sig)
	select {
	case <-exited:
		return true
	case <-time.After(limit):
		return false
	}
}

// logLines counts the lines of the node's log that contain s.
func (n *node) logLines(s string) int {
	b, _ := os.ReadFile(n.log)
	return strings.Count(string(b), s)
}

func tail(path string, lines int) string {
	b, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// result is one HTTP exchange as the client saw it.
type result struct {
	Node       string
	Method     string
	Path       string
	Status     int // 0: no answer (Err says why)
	Code       string
	Body       []byte
	Err        error
	Start, End time.Time
}

func (r result) latency() time.Duration { return r.End.Sub(r.Start) }

func (r result) ok() bool { return r.Status >= 200 && r.Status < 300 }

func (r result) String() string {
	if r.Err != nil {
		return fmt.Sprintf("%s %s %s: %v after %s", r.Node, r.Method, r.Path, r.Err, r.latency().Round(time.Millisecond))
	}
	body := r.Body
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Sprintf("%s %s %s: %d %s after %s", r.Node, r.Method, r.Path, r.Status, body, r.latency().Round(time.Millisecond))
}

// httpClient has a timeout well above every bound the tests assert, so
// that a hang shows as a long latency rather than as a stuck test.
var httpClient = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true},
}

// call performs one request; it never fails the test.
func (n *node) call(ctx context.Context, method, path, token string, body any) result {
	r := result{Node: n.name, Method: method, Path: path}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, rd)
	if err != nil {
		panic(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	r.Start = time.Now()
	res, err := httpClient.Do(req)
	if err != nil {
		r.End, r.Err = time.Now(), err
		return r
	}
	r.Body, r.Err = io.ReadAll(res.Body)
	res.Body.Close()
	r.End, r.Status = time.Now(), res.StatusCode
	if r.Status >= 400 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &e)
		r.Code = e.Error.Code
	}
	return r
}

// must performs a request and fails the test unless it answers want.
func (n *node) must(want int, method, path, token string, body any) result {
	n.t.Helper()
	r := n.call(context.Background(), method, path, token, body)
	if r.Status != want {
		n.t.Fatalf("%v; want %d", r, want)
	}
	return r
}

// district is what setupDistrict creates: a department, its clerk and the
// licensing item XK-001.
type district struct {
	clerk string
}

// setupDistrict creates the department ZJJ, a clerk and a legal officer, the
// licensing item, and enters this year and the next in the calendar when the
// shipped one lacks them.
func setupDistrict(t testing.TB, n *node) district {
	t.Helper()
	n.must(201, "POST", "/api/v1/departments", adminToken, map[string]string{"code": "ZJJ", "name": "区住房和城乡建设局"})
	token := func(user, role, dept string) string {
		body := map[string]any{"username": user, "real_name": "测试" + user, "role": role}
		if dept != "" {
			body["department_code"] = dept
		}
		var out struct {
			Token string `json:"token"`
		}
		r := n.must(201, "POST", "/api/v1/accounts", adminToken, body)
		if err := json.Unmarshal(r.Body, &out); err != nil || out.Token == "" {
			t.Fatalf("account %s: %s", user, r.Body)
		}
		return out.Token
	}
	d := district{clerk: token("zjj-clerk", "clerk", "ZJJ")}
	legal := token("legal", "legal", "")
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "catalog", "licensing.json"))
	if err != nil {
		t.Fatal(err)
	}
	var item map[string]any
	if err := json.Unmarshal(raw, &item); err != nil {
		t.Fatal(err)
	}
	n.must(201, "PUT", "/api/v1/power-items/XK-001", legal, item)
	this := time.Now().Year()
	for y := this - 1; y <= this+1; y++ {
		path := fmt.Sprintf("/api/v1/calendar/%d", y)
		if n.call(context.Background(), "GET", path, adminToken, nil).Status == http.StatusNotFound {
			n.must(200, "PUT", path, adminToken, map[string]any{"source": "测试", "holidays": []string{}, "workdays": []string{}})
		}
	}
	return d
}
