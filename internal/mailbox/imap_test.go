package mailbox

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/imaptest"
)

const imapPassword = "pw-Zq8!never-shown"

func startDovecot(t *testing.T) *imaptest.Server {
	t.Helper()
	s, err := imaptest.Start(t.TempDir(), imapPassword)
	if errors.Is(err, imaptest.ErrNoDovecot) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// memStore plays the caller's database: keys of messages stored, checkpoints by path.
type memStore struct {
	mu    sync.Mutex
	keys  map[string]bool
	cps   map[string]Checkpoint
	warns []string
}

func newMemStore() *memStore { return &memStore{keys: map[string]bool{}, cps: map[string]Checkpoint{}} }

func (s *memStore) options(imap *IMAPOptions) Options {
	imap.Warn = func(msg string) { s.warns = append(s.warns, msg) }
	return Options{
		IMAP: imap,
		Known: func(keys []string) (map[string]bool, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			m := map[string]bool{}
			for _, k := range keys {
				if s.keys[k] {
					m[k] = true
				}
			}
			return m, nil
		},
		Resume: func(path string) (Checkpoint, bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			cp, ok := s.cps[path]
			return cp, ok
		},
	}
}

// walk walks and stores what it yields, as scan does.
func (s *memStore) walk(t *testing.T, opt Options, path string) []Message {
	t.Helper()
	got := walk(t, opt, path)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range got {
		switch {
		case m.Checkpoint != nil:
			s.cps[m.Path] = *m.Checkpoint
		case m.Key != "":
			s.keys[m.Key] = true
		}
	}
	return got
}

func bounce(i int) string {
	return fmt.Sprintf("From: MAILER-DAEMON@mx.example.net\r\nTo: news@example.com\r\nSubject: bounce %d\r\n"+
		"Message-ID: <b%d@mx.example.net>\r\n\r\n<user%d@example.org>: 550 5.1.1 user unknown\r\n%s\r\n",
		i, i, i, strings.Repeat("original message line\r\n", i%7*40))
}

func subjects(ms []Message) string {
	var s []string
	for _, m := range ms {
		if m.Err != nil {
			s = append(s, "ERR "+m.Err.Error())
			continue
		}
		line := strings.SplitN(string(m.Data), "Subject: ", 2)
		if len(line) == 2 {
			s = append(s, strings.SplitN(line[1], "\r\n", 2)[0])
		}
	}
	return strings.Join(s, ",")
}

// TestIMAP reads a Dovecot mailbox: the first run reads every message, read-only; the second
// only the new ones; a changed UIDVALIDITY reads them all again; a connection lost mid-fetch
// is taken up by the next run without duplicates.
func TestIMAP(t *testing.T) {
	srv := startDovecot(t)
	var first []string
	for i := 1; i <= 3; i++ {
		first = append(first, bounce(i))
	}
	if err := srv.Append("Bounces", first...); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("imaps://%s@%s/Bounces", srv.User, srv.IMAPSAddr())
	st := newMemStore()
	opt := st.options(&IMAPOptions{RootCAs: srv.CAPool, Password: func(user, host string) (string, error) {
		if user != srv.User || host != "127.0.0.1" {
			t.Errorf("password asked for %q at %q", user, host)
		}
		return imapPassword, nil
	}})
	validity, _, err := srv.Status("Bounces")
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("imaps://bounces@%s/Bounces", srv.IMAPSAddr())

	t.Run("first run", func(t *testing.T) {
		got := st.walk(t, opt, url)
		ms := messages(got)
		if subjects(ms) != "bounce 1,bounce 2,bounce 3" {
			t.Fatalf("read %q:\n%s", subjects(ms), summary(ms))
		}
		for i, m := range ms {
			uid := i + 1
			if string(m.Data) != first[i] {
				t.Errorf("UID %d: data differs from what was delivered", uid)
			}
			if want := fmt.Sprintf("imaps://%s/Bounces;UID=%d", srv.IMAPSAddr(), uid); m.Position != want {
				t.Errorf("position %q, want %q", m.Position, want)
			}
			if want := fmt.Sprintf("%s;UIDVALIDITY=%d/;UID=%d", path, validity, uid); m.Key != want || m.Path != path {
				t.Errorf("key %q path %q, want %q, %q", m.Key, m.Path, want, path)
			}
			if m.ModTime.IsZero() {
				t.Errorf("UID %d: no internal date", uid)
			}
		}
		if cp := checkpoint(t, got); cp != (Checkpoint{Offset: 3, Count: 3, Check: fmt.Sprintf("uidvalidity:%d", validity)}) {
			t.Errorf("checkpoint %+v", cp)
		}
		// Read-only: no message got a flag (\Seen or any).
		_, flags, err := srv.Status("Bounces")
		if err != nil {
			t.Fatal(err)
		}
		for uid, f := range flags {
			f = slices.DeleteFunc(f, func(s string) bool { return s == `\Recent` }) // a session flag: not the client's doing
			if len(f) != 0 {
				t.Errorf("UID %d has flags %v after the walk", uid, f)
			}
		}
		if strings.Contains(summary(got), imapPassword) {
			t.Error("password in a message")
		}
	})

	t.Run("second run", func(t *testing.T) {
		if ms := messages(st.walk(t, opt, url)); len(ms) != 0 {
			t.Errorf("nothing new, read:\n%s", summary(ms))
		}
		if err := srv.Append("Bounces", bounce(4), bounce(5)); err != nil {
			t.Fatal(err)
		}
		known := opt.Known
		asked := 0
		opt := opt
		opt.Known = func(keys []string) (map[string]bool, error) { asked += len(keys); return known(keys) }
		got := st.walk(t, opt, url)
		ms := messages(got)
		if subjects(ms) != "bounce 4,bounce 5" || ms[0].Position != fmt.Sprintf("imaps://%s/Bounces;UID=4", srv.IMAPSAddr()) {
			t.Fatalf("read %q:\n%s", subjects(ms), summary(ms))
		}
		if asked != 2 {
			t.Errorf("%d keys asked about, want the 2 new ones only", asked)
		}
		if cp := checkpoint(t, got); cp.Offset != 5 || cp.Count != 5 {
			t.Errorf("checkpoint %+v", cp)
		}
	})

	t.Run("UIDVALIDITY change", func(t *testing.T) {
		var all []string
		for i := 1; i <= 5; i++ {
			all = append(all, bounce(i))
		}
		if err := srv.Recreate("Bounces", all...); err != nil {
			t.Fatal(err)
		}
		v2, _, _ := srv.Status("Bounces")
		if v2 == validity {
			t.Fatalf("UIDVALIDITY still %d", v2)
		}
		got := st.walk(t, opt, url)
		ms := messages(got)
		if subjects(ms) != "bounce 1,bounce 2,bounce 3,bounce 4,bounce 5" {
			t.Fatalf("read %q", subjects(ms))
		}
		if !strings.Contains(ms[0].Key, fmt.Sprintf(";UIDVALIDITY=%d/", v2)) {
			t.Errorf("key %q", ms[0].Key)
		}
		if len(st.warns) != 1 || !strings.Contains(st.warns[0], "UIDVALIDITY changed") {
			t.Errorf("warnings %q", st.warns)
		}
		if ms := messages(st.walk(t, opt, url)); len(ms) != 0 {
			t.Errorf("after the re-read, read again:\n%s", summary(ms))
		}
	})

	t.Run("dropped connection", func(t *testing.T) {
		var many []string
		for i := 1; i <= 60; i++ {
			many = append(many, bounce(i))
		}
		if err := srv.Append("Many", many...); err != nil {
			t.Fatal(err)
		}
		proxy, err := imaptest.NewProxy(srv.IMAPSAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer proxy.Close()
		viaProxy := fmt.Sprintf("imaps://%s@%s/Many", srv.User, proxy.Addr)
		proxy.Cut(60 << 10) // past the login, in the middle of the messages (about 200 KB)
		got := st.walk(t, opt, viaProxy)
		ms := messages(got)
		last := got[len(got)-1]
		if len(ms) < 2 || len(ms) > 58 || last.Key != "" || !strings.Contains(fmt.Sprint(last.Err), "connection lost while fetching") {
			t.Fatalf("cut walk: %d messages, last %v", len(ms), last.Err)
		}
		for _, m := range got {
			if m.Checkpoint != nil {
				t.Errorf("checkpoint %+v after a lost connection", m.Checkpoint)
			}
		}
		t.Logf("first run: %d of 60 messages before the cut; %v", len(ms)-1, last.Err)
		rest := messages(st.walk(t, opt, viaProxy))
		seen := map[string]int{}
		for _, m := range append(ms[:len(ms)-1], rest...) {
			seen[m.Key]++
		}
		if len(seen) != 60 || len(ms)-1+len(rest) != 60 {
			t.Errorf("%d + %d messages, %d distinct, want 60 once each", len(ms)-1, len(rest), len(seen))
		}
		if strings.Contains(fmt.Sprint(last.Err), imapPassword) {
			t.Error("password in the error")
		}
	})
}

// TLS is verified by default, over imaps:// and STARTTLS; --insecure-skip-verify skips it.
func TestIMAPTLS(t *testing.T) {
	srv := startDovecot(t)
	if err := srv.Append("INBOX", bounce(1)); err != nil {
		t.Fatal(err)
	}
	pw := func(string, string) (string, error) { return imapPassword, nil }
	for _, tt := range []struct {
		name string
		url  string
		opt  IMAPOptions
		err  string
	}{
		{"imaps trusted", "imaps://bounces@" + srv.IMAPSAddr(), IMAPOptions{RootCAs: srv.CAPool}, ""},
		{"starttls trusted", "imap://bounces@" + srv.IMAPAddr() + "/INBOX", IMAPOptions{RootCAs: srv.CAPool}, ""},
		{"imaps system roots", "imaps://bounces@" + srv.IMAPSAddr() + "/INBOX", IMAPOptions{}, "TLS certificate is not trusted"},
		{"starttls system roots", "imap://bounces@" + srv.IMAPAddr() + "/INBOX", IMAPOptions{}, "TLS certificate is not trusted"},
		{"wrong host name", "imaps://bounces@localhost.localdomain.invalid:1/INBOX", IMAPOptions{Timeout: 2e9}, "connect:"},
		{"insecure", "imaps://bounces@" + srv.IMAPSAddr() + "/INBOX", IMAPOptions{InsecureSkipVerify: true}, ""},
		{"insecure starttls", "imap://bounces@" + srv.IMAPAddr() + "/INBOX", IMAPOptions{InsecureSkipVerify: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Password = pw
			ms := walk(t, Options{IMAP: &tt.opt}, tt.url)
			if tt.err == "" {
				if m := messages(ms); len(m) != 1 || m[0].Err != nil || !strings.Contains(string(m[0].Data), "bounce 1") {
					t.Fatalf("read:\n%s", summary(ms))
				}
				return
			}
			if len(ms) != 1 || ms[0].Key != "" || !strings.Contains(fmt.Sprint(ms[0].Err), tt.err) {
				t.Fatalf("want a path error with %q:\n%s", tt.err, summary(ms))
			}
			if strings.Contains(tt.err, "trusted") && !strings.Contains(ms[0].Err.Error(), "hint: ") {
				t.Errorf("no hint: %v", ms[0].Err)
			}
		})
	}
}

// The password never shows: not from a wrong login, not from a URL that holds one.
func TestIMAPPassword(t *testing.T) {
	srv := startDovecot(t)
	wrong := "wrong-Pw-7731"
	ms := walk(t, Options{IMAP: &IMAPOptions{RootCAs: srv.CAPool, Password: func(string, string) (string, error) { return wrong, nil }}},
		"imaps://bounces@"+srv.IMAPSAddr()+"/INBOX")
	if len(ms) != 1 || !strings.Contains(fmt.Sprint(ms[0].Err), "login as bounces failed") || strings.Contains(summary(ms), wrong) {
		t.Errorf("wrong password:\n%s", summary(ms))
	}
	for _, u := range []string{
		"imaps://bounces:" + imapPassword + "@" + srv.IMAPSAddr() + "/INBOX",
		"imaps://bounces:" + imapPassword + "@host/%zz",
		"imap://:" + imapPassword + "@host/INBOX",
	} {
		ms := walk(t, Options{IMAP: &IMAPOptions{Password: func(string, string) (string, error) { return "", nil }}}, u)
		if len(ms) != 1 || ms[0].Err == nil || strings.Contains(summary(ms), imapPassword) {
			t.Errorf("%s:\n%s", u, summary(ms))
		}
	}
	if ms := walk(t, Options{}, "imaps://bounces@"+srv.IMAPSAddr()); len(ms) != 1 || !strings.Contains(fmt.Sprint(ms[0].Err), "REBOUND_IMAP_PASSWORD") {
		t.Errorf("no password source:\n%s", summary(ms))
	}
}

// A message over the size limit is recorded as too large without being fetched.
func TestIMAPTooLarge(t *testing.T) {
	srv := startDovecot(t)
	if err := srv.Append("INBOX", bounce(1), bounce(6), bounce(2)); err != nil {
		t.Fatal(err)
	}
	opt := Options{MaxMessageSize: 2000, IMAP: &IMAPOptions{RootCAs: srv.CAPool, Password: func(string, string) (string, error) { return imapPassword, nil }}}
	ms := messages(walk(t, opt, "imaps://bounces@"+srv.IMAPSAddr()))
	if len(ms) != 3 || ms[1].Data != nil || !errors.Is(ms[1].Err, ErrTooLarge) || !strings.HasPrefix(ms[1].Key, FailedPrefix+"imaps://") ||
		subjects([]Message{ms[0], ms[2]}) != "bounce 1,bounce 2" {
		t.Errorf("read:\n%s", summary(ms))
	}
}

func TestParseIMAPURL(t *testing.T) {
	for _, tt := range []struct{ in, path, pos, err string }{
		{"imaps://bounces@mail.example.com/INBOX", "imaps://bounces@mail.example.com:993/INBOX", "imaps://mail.example.com/INBOX", ""},
		{"imaps://bounces@example.com@imap.gmail.com", "imaps://bounces%40example.com@imap.gmail.com:993/INBOX", "imaps://imap.gmail.com/INBOX", ""},
		{"imap://u@h:1143/Bounce%20Box", "imap://u@h:1143/Bounce%20Box", "imap://h:1143/Bounce%20Box", ""},
		{"imaps://u@[::1]:993/A/B", "imaps://u@[::1]:993/A/B", "imaps://[::1]/A/B", ""},
		{"imaps://host/INBOX", "", "", "no user"},
		{"imaps://u@host:99999/INBOX", "", "", "bad port"},
		{"imaps://u@host/INBOX?x=1", "", "", "query"},
		{"imaps://u:p@host/INBOX", "", "", "password in the URL"},
	} {
		u, err := parseIMAPURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || u.path() != tt.path || u.position() != tt.pos {
			t.Errorf("%s: path %q position %q, %v", tt.in, u.path(), u.position(), err)
		}
	}
	if got := redactURL("imaps://me:secret@host/x"); got != "imaps://me:REDACTED@host/x" {
		t.Errorf("redacted %q", got)
	}
}

// A server that accepts the connection and then says nothing: the walk gives up after the
// timeout with a path error, and goes on.
func TestIMAPTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent
		}
	}()
	start := time.Now()
	opt := Options{IMAP: &IMAPOptions{Timeout: time.Second, Password: func(string, string) (string, error) { return "x", nil }}}
	ms := walk(t, opt, "imaps://bounces@"+l.Addr().String()+"/INBOX", "imap://bounces@"+l.Addr().String()+"/INBOX")
	if len(ms) != 2 || ms[0].Err == nil || ms[1].Err == nil || ms[0].Key != "" {
		t.Fatalf("silent server:\n%s", summary(ms))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v with a timeout of 1s", d)
	}
	t.Log(ms[0].Err, "/", ms[1].Err)
}

// A mailbox name with a space and non-ASCII letters, percent-encoded in the URL as RFC 5092
// writes it (IMAP's modified UTF-7 on the wire is go-imap's business).
func TestIMAPMailboxName(t *testing.T) {
	srv := startDovecot(t)
	if err := srv.Append("Rückläufer 2026", bounce(3)); err != nil {
		t.Fatal(err)
	}
	opt := Options{IMAP: &IMAPOptions{RootCAs: srv.CAPool, Password: func(string, string) (string, error) { return imapPassword, nil }}}
	ms := messages(walk(t, opt, "imaps://bounces@"+srv.IMAPSAddr()+"/R%C3%BCckl%C3%A4ufer%202026"))
	want := "imaps://" + srv.IMAPSAddr() + "/R%C3%BCckl%C3%A4ufer%202026;UID=1"
	if len(ms) != 1 || subjects(ms) != "bounce 3" || ms[0].Position != want {
		t.Errorf("read:\n%s", summary(ms))
	}
	ms = walk(t, opt, "imaps://bounces@"+srv.IMAPSAddr()+"/NoSuchBox")
	if len(ms) != 1 || ms[0].Key != "" || !strings.Contains(fmt.Sprint(ms[0].Err), "examine:") {
		t.Errorf("missing mailbox:\n%s", summary(ms))
	}
}
