package mailbox

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// IMAP (RFC 3501) mailboxes are read with github.com/emersion/go-imap v1, the stable line of
// the maintained Go IMAP client. A path "imaps://USER@HOST[:PORT]/MAILBOX" (TLS from the start,
// port 993) or "imap://USER@HOST[:PORT]/MAILBOX" (STARTTLS, required, port 143) names a
// mailbox; MAILBOX is percent-encoded as in a URL and defaults to INBOX (RFC 5092 gives the
// form). The mailbox is opened read-only (EXAMINE) and messages are fetched with BODY.PEEK[]:
// no flag is changed, nothing is deleted.
//
// A message's key is "imaps://USER@HOST:PORT/MAILBOX;UIDVALIDITY=V/;UID=N" (imap:// for
// STARTTLS; the port always written) and its position
// "imaps://HOST[:PORT]/MAILBOX;UID=N". Walk yields a checkpoint (Offset: the highest UID read,
// Check: "uidvalidity:V") after each batch of messages; handed back by Options.Resume, it makes
// the next walk fetch only messages with a higher UID. When the mailbox's UIDVALIDITY changed,
// every message is read again, under new keys (a caller that knows messages by their content
// counts them once).
// Messages whose keys Options.Known knows are not fetched, so a walk cut off mid-fetch (a
// connection lost) goes on where it stopped.

// IMAPOptions are the settings of IMAP paths.
type IMAPOptions struct {
	// Password returns the password of user at host. It is never put in an error, a
	// position, a key or a path.
	Password func(user, host string) (string, error)

	// InsecureSkipVerify accepts any server certificate.
	InsecureSkipVerify bool

	// RootCAs, when set, replaces the system's certificate authorities.
	RootCAs *x509.CertPool

	// Timeout bounds connecting and each command (a batch of messages is one); 0 means
	// DefaultIMAPTimeout.
	Timeout time.Duration

	// Warn, when set, is told about things worth a warning (a changed UIDVALIDITY).
	Warn func(msg string)
}

// DefaultIMAPTimeout is IMAPOptions.Timeout when it is 0.
const DefaultIMAPTimeout = 60 * time.Second

const (
	imapBatch      = 500     // UIDs whose keys are checked, and their sizes fetched, at a time
	imapFetchBytes = 8 << 20 // bytes of messages fetched in one command (or one larger message)
	imapFetchMax   = 100     // messages fetched in one command
)

// IsIMAP reports whether path names an IMAP mailbox.
func IsIMAP(path string) bool {
	return strings.HasPrefix(path, "imaps://") || strings.HasPrefix(path, "imap://")
}

// imapURL is a parsed IMAP path.
type imapURL struct {
	tls     bool
	user    string
	host    string
	port    string
	mailbox string
}

// parseIMAPURL parses an IMAP path. Its errors never quote the path (it may hold a password).
func parseIMAPURL(raw string) (*imapURL, error) {
	const form = "hint: write imaps://USER@HOST[:PORT]/MAILBOX"
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a valid IMAP URL; %s", form)
	}
	if _, set := u.User.Password(); set {
		return nil, errors.New("a password in the URL is not accepted: it would show in process lists and shell history; hint: set REBOUND_IMAP_PASSWORD, or use --password-file FILE or ~/.netrc")
	}
	if u.User.Username() == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("the URL names no user or no host; %s", form)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("the URL has a query or a fragment; %s", form)
	}
	p := &imapURL{tls: u.Scheme == "imaps", user: u.User.Username(), host: u.Hostname(), port: u.Port(),
		mailbox: strings.TrimPrefix(u.Path, "/")}
	if p.port == "" {
		p.port = "143"
		if p.tls {
			p.port = "993"
		}
	}
	if n, err := strconv.Atoi(p.port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("bad port; %s", form)
	}
	if p.mailbox == "" {
		p.mailbox = "INBOX"
	}
	return p, nil
}

func (u *imapURL) scheme() string {
	if u.tls {
		return "imaps"
	}
	return "imap"
}

// escapedMailbox is the mailbox name as it is written in a URL.
func (u *imapURL) escapedMailbox() string {
	return (&url.URL{Path: u.mailbox}).EscapedPath()
}

// path is the mailbox's path: "imaps://USER@HOST:PORT/MAILBOX", the port always given, so
// that a checkpoint is found whichever way the user wrote it.
func (u *imapURL) path() string {
	return u.scheme() + "://" + url.User(u.user).String() + "@" + net.JoinHostPort(u.host, u.port) + "/" + u.escapedMailbox()
}

// position is the mailbox for people: "imaps://HOST[:PORT]/MAILBOX", the port only when it is
// not the scheme's.
func (u *imapURL) position() string {
	host := u.host
	if u.tls && u.port != "993" || !u.tls && u.port != "143" {
		host = net.JoinHostPort(u.host, u.port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.scheme() + "://" + host + "/" + u.escapedMailbox()
}

// redactURL removes a password from an IMAP path that could not be parsed, for messages.
func redactURL(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	rest := raw[i+3:]
	end := strings.IndexByte(rest, '/')
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return raw
	}
	userinfo := rest[:at]
	if c := strings.IndexByte(userinfo, ':'); c >= 0 {
		userinfo = userinfo[:c] + ":REDACTED"
	}
	return raw[:i+3] + userinfo + rest[at:]
}

// imapBox is one IMAP walk.
type imapBox struct {
	w        *walker
	u        *imapURL
	opt      *IMAPOptions
	c        *client.Client
	validity uint32
	where    string // the mailbox's path, for errors
}

// imap reads the IMAP mailbox named by raw.
func (w *walker) imap(raw string) error {
	u, err := parseIMAPURL(raw)
	if err != nil {
		p := redactURL(raw)
		return w.fail(p, "", fmt.Errorf("%s: %w", p, err))
	}
	b := &imapBox{w: w, u: u, opt: w.opt.IMAP, where: u.position()}
	if b.opt == nil {
		b.opt = &IMAPOptions{}
	}
	if err := b.connect(); err != nil {
		return w.fail(u.path(), "", fmt.Errorf("%s: %w", b.where, err))
	}
	defer b.c.Logout()
	return b.read()
}

// connect opens the connection, secures it and logs in.
func (b *imapBox) connect() error {
	timeout := b.opt.Timeout
	if timeout <= 0 {
		timeout = DefaultIMAPTimeout
	}
	if b.opt.Password == nil {
		return errors.New("no password source; hint: set REBOUND_IMAP_PASSWORD, or use --password-file FILE or ~/.netrc")
	}
	pass, err := b.opt.Password(b.u.user, b.u.host)
	if err != nil {
		return err
	}
	tc := &tls.Config{ServerName: b.u.host, RootCAs: b.opt.RootCAs, InsecureSkipVerify: b.opt.InsecureSkipVerify}
	addr := net.JoinHostPort(b.u.host, b.u.port)
	d := &net.Dialer{Timeout: timeout}
	var c *client.Client
	if b.u.tls {
		c, err = client.DialWithDialerTLS(d, addr, tc)
	} else {
		c, err = client.DialWithDialer(d, addr)
	}
	if err != nil {
		return connectError(err)
	}
	c.Timeout = timeout
	c.ErrorLog = log.New(io.Discard, "", 0) // errors come back from the commands
	if !b.u.tls {
		ok, err := c.SupportStartTLS()
		if err == nil && !ok {
			err = errors.New("the server does not offer STARTTLS, and rebound never sends a password in clear; hint: use imaps://")
		}
		if err == nil {
			err = c.StartTLS(tc)
		}
		if err != nil {
			c.Logout()
			return connectError(err)
		}
	}
	if err := c.Login(b.u.user, pass); err != nil {
		c.Logout()
		return fmt.Errorf("login as %s failed: %v; hint: check the user and its password", b.u.user, err)
	}
	b.c = c
	return nil
}

// connectError explains a failure to connect, with a hint for an untrusted certificate.
func connectError(err error) error {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return fmt.Errorf("the server's TLS certificate is not trusted: %v; hint: trust its authority with SSL_CERT_FILE=ca.pem, or (never over a network you do not trust) --insecure-skip-verify", err)
	}
	return fmt.Errorf("connect: %v", err)
}

// read examines the mailbox and yields its new messages.
func (b *imapBox) read() error {
	w, u := b.w, b.u
	path := u.path()
	st, err := b.c.Select(u.mailbox, true)
	if err != nil {
		return w.fail(path, "", fmt.Errorf("%s: examine: %v", b.where, err))
	}
	b.validity = st.UidValidity
	check := "uidvalidity:" + strconv.FormatUint(uint64(st.UidValidity), 10)
	var last uint32
	count := 0
	if w.opt.Resume != nil {
		if cp, ok := w.opt.Resume(path); ok {
			if cp.Check == check && cp.Offset > 0 && cp.Offset <= 1<<32-1 && cp.Count >= 0 {
				last, count = uint32(cp.Offset), cp.Count
				w.resumed(path, cp)
			} else if strings.HasPrefix(cp.Check, "uidvalidity:") && b.opt.Warn != nil {
				b.opt.Warn(fmt.Sprintf("%s: UIDVALIDITY changed (%s, was %s): the server renumbered the mailbox, so every message is read again",
					b.where, strings.TrimPrefix(check, "uidvalidity:"), strings.TrimPrefix(cp.Check, "uidvalidity:")))
			}
		}
	}
	var uids []uint32
	if st.Messages > 0 {
		crit := imap.NewSearchCriteria()
		crit.Uid = new(imap.SeqSet)
		crit.Uid.AddRange(last+1, 0)
		if uids, err = b.c.UidSearch(crit); err != nil {
			return w.fail(path, "", fmt.Errorf("%s: search: %v", b.where, err))
		}
	}
	uids = slices.DeleteFunc(uids, func(uid uint32) bool { return uid <= last }) // "N:*" always holds the last message
	slices.Sort(uids)
	for len(uids) > 0 {
		batch := uids[:min(len(uids), imapBatch)]
		uids = uids[len(batch):]
		complete, err := b.batch(batch)
		if err != nil || !complete {
			return err // a lost connection was yielded as a path error: no checkpoint
		}
		count += len(batch)
		cp := Checkpoint{Offset: int64(batch[len(batch)-1]), Count: count, Check: check}
		if err := w.yield(Message{Position: b.where, Path: path, Checkpoint: &cp}); err != nil {
			return err
		}
	}
	return nil
}

// key and position of the message with UID uid.
func (b *imapBox) key(uid uint32) string {
	return fmt.Sprintf("%s;UIDVALIDITY=%d/;UID=%d", b.u.path(), b.validity, uid)
}

func (b *imapBox) position(uid uint32) string {
	return b.where + ";UID=" + strconv.FormatUint(uint64(uid), 10)
}

// batch reads the messages of uids that Options.Known does not know. It reports whether it
// read them all; when the connection is lost it yields that as a path error and reports false.
// Its error is one from yield or Options.Known, which stops the walk.
func (b *imapBox) batch(uids []uint32) (complete bool, err error) {
	w := b.w
	want := uids
	if w.opt.Known != nil {
		keys := make([]string, len(uids))
		for i, uid := range uids {
			keys[i] = b.key(uid)
		}
		known, err := w.opt.Known(keys)
		if err != nil {
			return false, fmt.Errorf("check known messages: %w", err)
		}
		want = nil
		for i, uid := range uids {
			if !known[keys[i]] {
				want = append(want, uid)
			}
		}
	}
	if len(want) == 0 {
		return true, nil
	}
	sizes, dates, err := b.sizes(want)
	if err != nil {
		return false, b.lost(err, want[0])
	}
	var fetch []uint32
	var bytes int64
	flush := func() (bool, error) {
		if len(fetch) == 0 {
			return true, nil
		}
		uid, err := b.fetch(fetch, dates)
		var ye yieldError
		if errors.As(err, &ye) {
			return false, ye.err
		}
		if err != nil {
			return false, b.lost(err, uid)
		}
		fetch, bytes = fetch[:0], 0
		return true, nil
	}
	for _, uid := range want {
		size, ok := sizes[uid]
		if !ok {
			continue // expunged meanwhile
		}
		if len(fetch) > 0 && (size > w.max || len(fetch) >= imapFetchMax || bytes+size > imapFetchBytes) {
			if ok, err := flush(); !ok || err != nil {
				return false, err
			}
		}
		if size > w.max { // not fetched
			if err := w.yield(Message{Key: FailedPrefix + b.key(uid), Position: b.position(uid), Path: b.u.path(),
				ModTime: dates[uid], Err: tooLarge(size, w.max)}); err != nil {
				return false, err
			}
			continue
		}
		fetch = append(fetch, uid)
		bytes += size
	}
	return flush()
}

// yieldError is an error returned by yield: it stops the walk.
type yieldError struct{ err error }

func (e yieldError) Error() string { return e.err.Error() }

// lost yields the loss of the connection (or a failed command) as a path error.
func (b *imapBox) lost(err error, from uint32) error {
	return b.w.fail(b.u.path(), "", fmt.Errorf("%s: connection lost while fetching (from UID %d): %v; hint: the next run goes on from there, without duplicates", b.where, from, err))
}

// sizes fetches the sizes and internal dates of uids.
func (b *imapBox) sizes(uids []uint32) (map[uint32]int64, map[uint32]time.Time, error) {
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	ch := make(chan *imap.Message, 64)
	done := make(chan error, 1)
	go func() {
		done <- b.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size, imap.FetchInternalDate}, ch)
	}()
	sizes, dates := map[uint32]int64{}, map[uint32]time.Time{}
	for m := range ch {
		sizes[m.Uid], dates[m.Uid] = int64(m.Size), m.InternalDate
	}
	return sizes, dates, <-done
}

// fetch fetches the messages uids and yields them in UID order. On a failure it yields the
// messages received whole and returns the error with the first UID not yielded.
func (b *imapBox) fetch(uids []uint32, dates map[uint32]time.Time) (uint32, error) {
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, imapFetchMax)
	done := make(chan error, 1)
	go func() { done <- b.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
	got := map[uint32][]byte{}
	for m := range ch {
		if lit := m.GetBody(section); lit != nil && m.Uid != 0 {
			data := make([]byte, lit.Len())
			if _, err := io.ReadFull(lit, data); err == nil {
				got[m.Uid] = data
			}
		}
	}
	ferr := <-done
	for _, uid := range uids {
		data, ok := got[uid]
		if !ok {
			if ferr != nil {
				return uid, ferr
			}
			continue // expunged meanwhile
		}
		m := Message{Key: b.key(uid), Position: b.position(uid), Path: b.u.path(), ModTime: dates[uid], Data: data}
		if len(data) == 0 {
			m.Err, m.Data = ErrEmpty, nil
		}
		if err := b.w.yield(m); err != nil {
			return uid, yieldError{err}
		}
	}
	return 0, ferr
}
