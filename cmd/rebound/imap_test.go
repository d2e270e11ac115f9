package main

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/reboundhq/rebound/internal/imaptest"
	"github.com/rogpeppe/go-internal/testscript"
)

// imapPassword is the throwaway Dovecot's password: the scripts check it shows nowhere.
const imapPassword = "Pw-4kz9-only-in-env"

var (
	dovecotsMu sync.Mutex
	dovecots   = map[string]*imaptest.Server{} // by script work directory
	proxies    = map[string]*imaptest.Proxy{}
)

// TestIMAPScript runs the CLI scenarios of testdata/imap/*.txtar, each against a Dovecot of its
// own (Debian's dovecot-imapd; skipped where it is not installed). The rebound command runs as a
// process of its own, with SSL_CERT_FILE naming the test's certificate authority: the default,
// verified TLS path. Scripts get $IMAPS, $IMAP (STARTTLS) and $PROXY ("host:port"; a proxy to
// $IMAPS that imapcut can cut), $REBOUND_IMAP_PASSWORD and $PASSWORD, and the files pw.txt and
// netrc holding the password.
func TestIMAPScript(t *testing.T) {
	if _, err := imaptest.Binary(); err != nil {
		t.Skip(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "imap"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			dir, err := os.MkdirTemp("", "dovecot") // short: Dovecot's sockets live in it
			if err != nil {
				return err
			}
			env.Defer(func() { os.RemoveAll(dir) })
			srv, err := imaptest.Start(dir, imapPassword)
			if errors.Is(err, imaptest.ErrNoDovecot) {
				env.T().Skip(err)
			}
			if err != nil {
				return err
			}
			env.Defer(srv.Stop)
			proxy, err := imaptest.NewProxy(srv.IMAPSAddr())
			if err != nil {
				return err
			}
			env.Defer(proxy.Close)
			dovecotsMu.Lock()
			dovecots[env.WorkDir], proxies[env.WorkDir] = srv, proxy
			dovecotsMu.Unlock()
			for k, v := range map[string]string{
				"IMAPS": srv.IMAPSAddr(), "IMAP": srv.IMAPAddr(), "PROXY": proxy.Addr,
				"SSL_CERT_FILE": srv.CAFile, "REBOUND_IMAP_PASSWORD": imapPassword, "PASSWORD": imapPassword,
				"REBOUND_DB": filepath.Join(env.WorkDir, "rebound.db"), "NETRC": filepath.Join(env.WorkDir, "nonetrc"),
				"XDG_DATA_HOME": filepath.Join(env.WorkDir, "xdg"), "NO_COLOR": "1", "HOME": env.WorkDir,
			} {
				env.Setenv(k, v)
			}
			files := map[string]string{
				"pw.txt": imapPassword + "\n",
				"netrc":  "machine other.example login bounces password nope\nmachine 127.0.0.1 login bounces password " + imapPassword + "\n",
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(env.WorkDir, name), []byte(data), 0o600); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"imapappend":   cmdIMAPAppend,
			"imapgen":      cmdIMAPGen,
			"imaprecreate": cmdIMAPGen,
			"imapflags":    cmdIMAPFlags,
			"imapcut":      cmdIMAPCut,
			"nopassword":   cmdNoPassword,
			"dbcount":      cmdDBCount,
		},
	})
}

func server(ts *testscript.TestScript) *imaptest.Server {
	dovecotsMu.Lock()
	defer dovecotsMu.Unlock()
	return dovecots[ts.Getenv("WORK")]
}

// imapappend MAILBOX FILE...: deliver the files (LF line ends become CRLF).
func cmdIMAPAppend(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: imapappend MAILBOX FILE...")
	}
	var msgs []string
	for _, f := range args[1:] {
		msgs = append(msgs, strings.ReplaceAll(ts.ReadFile(f), "\n", "\r\n"))
	}
	ts.Check(server(ts).Append(args[0], msgs...))
}

// genBounce is the Nth generated bounce: a DSN for userN@example.org.
func genBounce(n int) string {
	return strings.ReplaceAll(fmt.Sprintf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: bounces@shop.example
Subject: Undelivered Mail Returned to Sender
Date: Mon, 09 Nov 2026 10:00:00 +0000
Message-ID: <gen%[1]d@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system could not deliver your message.
%[2]s
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; user%[1]d@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <user%[1]d@example.org>: Recipient address rejected: User unknown

--B--
`, n, strings.Repeat("Padding so that the messages take some room on the wire.\n", 40)), "\n", "\r\n")
}

// imapgen MAILBOX N: deliver N generated bounces. imaprecreate MAILBOX N: delete the mailbox
// and deliver them again (its UIDVALIDITY changes).
func cmdIMAPGen(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: imapgen|imaprecreate MAILBOX N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	var msgs []string
	for i := 1; i <= n; i++ {
		msgs = append(msgs, genBounce(i))
	}
	if err := server(ts).Recreate(args[0], msgs...); err != nil { // imapgen on a new mailbox: Delete fails
		ts.Check(server(ts).Append(args[0], msgs...))
	}
}

// imapflags MAILBOX: fail if a message has a flag (other than the session's \Recent).
func cmdIMAPFlags(ts *testscript.TestScript, neg bool, args []string) {
	_, flags, err := server(ts).Status(args[0])
	ts.Check(err)
	for uid, fs := range flags {
		for _, f := range fs {
			if f != `\Recent` {
				ts.Fatalf("UID %d has flag %s", uid, f)
			}
		}
	}
	ts.Logf("%d messages, none flagged", len(flags))
}

// imapcut N: the connection $PROXY forwards next is closed after N bytes from the server.
func cmdIMAPCut(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	dovecotsMu.Lock()
	p := proxies[ts.Getenv("WORK")]
	dovecotsMu.Unlock()
	p.Cut(n)
}

// nopassword FILE...: fail if a file that exists holds $PASSWORD.
func cmdNoPassword(ts *testscript.TestScript, neg bool, args []string) {
	for _, f := range args {
		data, err := os.ReadFile(ts.MkAbs(f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		ts.Check(err)
		if bytes.Contains(data, []byte(imapPassword)) {
			ts.Fatalf("%s holds the password", f)
		}
	}
}

// dbcount DB TABLE N: the table holds N rows.
func cmdDBCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: dbcount DB TABLE N")
	}
	u := url.URL{Scheme: "file", Path: ts.MkAbs(args[0]), RawQuery: "mode=ro"}
	db, err := sql.Open("sqlite", u.String())
	ts.Check(err)
	defer db.Close()
	var n int
	ts.Check(db.QueryRow("SELECT count(*) FROM " + args[1]).Scan(&n))
	if strconv.Itoa(n) != args[2] {
		ts.Fatalf("%s: %d rows, want %s", args[1], n, args[2])
	}
}

func TestNetrcPassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "netrc")
	data := "machine imap.example.com login other password p-other\n" +
		"machine imap.example.com\n  login bounces\n  password p-bounces\n" +
		"macdef init\n  machine imap.example.com login bounces password in-a-macro\n\n" +
		"machine mail.example.org password p-any-login\n" +
		"default login bounces password p-default\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ host, user, want string }{
		{"imap.example.com", "bounces", "p-bounces"},
		{"IMAP.example.com", "other", "p-other"},
		{"mail.example.org", "anyone", "p-any-login"},
		{"elsewhere.example", "bounces", "p-default"},
		{"elsewhere.example", "nobody", ""},
	} {
		got, ok, err := netrcPassword(path, tt.host, tt.user)
		if err != nil || got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s@%s: %q %v %v, want %q", tt.user, tt.host, got, ok, err, tt.want)
		}
	}
}
