// Package pgtest gives tests PostgreSQL databases: a throwaway cluster started once per test
// binary (Debian's postgresql package: initdb and pg_ctl, run as an unprivileged user when the
// tests run as root, listening only on a Unix socket in a temporary folder), or the server named
// by $REBOUND_TEST_PG, on which the tests create and drop databases of their own. Tests skip when
// neither is available, unless $REBOUND_TEST_REQUIRE_PG is set (CI sets it once it has
// installed PostgreSQL), when they fail.
//
// A test binary that uses it calls Main from TestMain, so that the cluster is stopped when the
// tests end.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoPostgres is the reason tests skip on a machine without PostgreSQL.
var ErrNoPostgres = errors.New("PostgreSQL is not installed (Debian: apt-get install postgresql) and $REBOUND_TEST_PG is not set")

var (
	once     sync.Once
	cluster  *Cluster
	startErr error
	counter  atomic.Int64
)

// Cluster is a running throwaway PostgreSQL, or the server of $REBOUND_TEST_PG.
type Cluster struct {
	Dir   string   // the temporary folder holding the data and the socket; "" for $REBOUND_TEST_PG
	admin string   // URL of a database to create the tests' databases from
	bin   string   // the folder of pg_ctl
	user  *account // the account PostgreSQL runs as when the tests run as root (Unix)
	own   bool     // started here: stopped by Stop
}

// Bin returns the folder holding initdb and pg_ctl, or ErrNoPostgres.
func Bin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Get returns the cluster of this test binary, starting it on first use.
func Get() (*Cluster, error) {
	once.Do(func() {
		if u := os.Getenv("REBOUND_TEST_PG"); u != "" {
			cluster = &Cluster{admin: u}
			return
		}
		cluster, startErr = start()
	})
	return cluster, startErr
}

// URL returns the URL of a new, empty database for t. It skips t when PostgreSQL is not
// available (fails it when $REBOUND_TEST_REQUIRE_PG is set).
func URL(t testing.TB) string {
	t.Helper()
	c, err := Get()
	if err != nil {
		if errors.Is(err, ErrNoPostgres) && os.Getenv("REBOUND_TEST_REQUIRE_PG") == "" {
			t.Skip("pgtest:", err)
		}
		t.Fatal("pgtest:", err)
	}
	u, err := c.NewDatabase()
	if err != nil {
		t.Fatal("pgtest:", err)
	}
	if c.Dir == "" {
		t.Cleanup(func() { c.dropDatabase(u) })
	}
	return u
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase() (string, error) {
	name := fmt.Sprintf("rebound_test_%d_%d", os.Getpid(), counter.Add(1))
	if err := c.exec("CREATE DATABASE " + name); err != nil {
		return "", err
	}
	u, err := url.Parse(c.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (c *Cluster) dropDatabase(u string) {
	p, err := url.Parse(u)
	if err != nil {
		return
	}
	c.exec("DROP DATABASE IF EXISTS " + strings.TrimPrefix(p.Path, "/") + " WITH (FORCE)")
}

func (c *Cluster) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Main runs the tests of m and stops the cluster, if one was started; it returns the exit
// status for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	return code
}

// start initialises and starts a cluster in a new temporary folder.
func start() (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rebound-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, own: true}
	if err := c.dropRoot(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "rebound", "--auth=trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// Only a Unix socket in dir; fsync off: the cluster is thrown away with the folder.
	opts := "-k " + dir + " -c listen_addresses='' -c fsync=off -c full_page_writes=off" +
		" -c max_connections=200 -c shared_buffers=64MB"
	if out, err := c.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s%s", err, out, log)
	}
	c.admin = (&url.URL{Scheme: "postgres", User: url.User("rebound"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}}.Encode()}).String()
	return c, nil
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	c.runAs(cmd)
	return cmd.CombinedOutput()
}

// Stop stops a cluster started here and removes its folder; it does nothing for
// $REBOUND_TEST_PG.
func (c *Cluster) Stop() {
	if !c.own {
		return
	}
	c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.Dir)
}
