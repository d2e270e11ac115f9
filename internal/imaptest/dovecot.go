// Package imaptest starts a throwaway Dovecot IMAP server for tests: Debian's dovecot-imapd,
// on loopback ports, with a self-signed certificate made for the run, a passwd-file with one
// user and a maildir in a temporary folder. Nothing of the system's Dovecot configuration is
// used. Tests skip when Dovecot is not installed.
package imaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// ErrNoDovecot is returned by Start when the dovecot binary is not installed.
var ErrNoDovecot = errors.New("dovecot not installed (Debian: apt-get install dovecot-imapd)")

// Server is a running Dovecot.
type Server struct {
	Dir       string // the temporary folder holding everything
	Host      string // "127.0.0.1"
	IMAPPort  int    // plain IMAP, STARTTLS required before login
	IMAPSPort int    // IMAP over TLS
	User      string
	Password  string
	CAFile    string // PEM of the certificate authority that signed the server's certificate
	CAPool    *x509.CertPool

	cmd    *exec.Cmd
	exited chan struct{} // closed when the dovecot process has exited
}

// Binary returns the path of the dovecot binary, or ErrNoDovecot.
func Binary() (string, error) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoDovecot
}

// Start starts a Dovecot in dir (which must exist and be empty) with one user whose password
// is password. Stop it with Stop.
func Start(dir, password string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Host: "127.0.0.1", User: "bounces", Password: password}
	if err := s.certificates(); err != nil {
		return nil, err
	}
	if s.IMAPPort, err = freePort(); err != nil {
		return nil, err
	}
	if s.IMAPSPort, err = freePort(); err != nil {
		return nil, err
	}
	conf, err := s.config()
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "-F", "-c", conf)
	var out bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	s.exited = exited
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr(s.IMAPSPort), time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			deadline = time.Time{}
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			return nil, fmt.Errorf("dovecot did not start: %v\n%s%s", err, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s, nil
}

// Stop stops the server.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
}

func (s *Server) addr(port int) string { return net.JoinHostPort(s.Host, strconv.Itoa(port)) }

// IMAPSAddr and IMAPAddr are the servers' "host:port".
func (s *Server) IMAPSAddr() string { return s.addr(s.IMAPSPort) }
func (s *Server) IMAPAddr() string  { return s.addr(s.IMAPPort) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// certificates makes a CA and a server certificate for 127.0.0.1 and localhost.
func (s *Server) certificates() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rebound test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	s.CAFile = filepath.Join(s.Dir, "ca.pem")
	files := map[string][]byte{
		"ca.pem":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, name), data, 0o600); err != nil {
			return err
		}
	}
	s.CAPool = x509.NewCertPool()
	s.CAPool.AddCert(ca)
	return nil
}

// config writes Dovecot's configuration, password file and home, and returns the
// configuration's path. As root, Dovecot's own users run it (the package creates them) and
// the mail belongs to the dovecot user; otherwise everything runs as the current user.
func (s *Server) config() (string, error) {
	internal, login, group := "dovecot", "dovenull", "dovecot"
	home := filepath.Join(s.Dir, "home")
	uid, gid := os.Getuid(), os.Getgid()
	chroot := ""
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return "", err
		}
		internal, login, group = u.Username, u.Username, strconv.Itoa(gid)
		if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
			group = g.Name
		}
		chroot = "  chroot =\n"
	} else {
		u, err := user.Lookup("dovecot")
		if err != nil {
			return "", fmt.Errorf("no dovecot user: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	for _, d := range []string{"run", "state", home} {
		p := d
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.Dir, d)
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return "", err
		}
	}
	// Dovecot's unprivileged processes must reach the folder.
	for d := s.Dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 && os.Geteuid() == 0 {
			os.Chmod(d, fi.Mode().Perm()|0o011)
		}
	}
	if err := os.Chown(home, uid, gid); err != nil && os.Geteuid() == 0 {
		return "", err
	}
	passwd := filepath.Join(s.Dir, "passwd")
	if err := os.WriteFile(passwd, []byte(s.User+":{PLAIN}"+s.Password+"::::::\n"), 0o644); err != nil {
		return "", err
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = %[2]s
default_internal_group = %[11]s
default_login_user = %[3]s
first_valid_uid = 0
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[4]s
}
userdb {
  driver = static
  args = uid=%[5]d gid=%[6]d home=%[7]s/%%u
}
service imap-login {
%[10]s  inet_listener imap {
    address = 127.0.0.1
    port = %[8]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[9]d
    ssl = yes
  }
}
service anvil {
%[10]s}
`, s.Dir, internal, login, passwd, uid, gid, home, s.IMAPPort, s.IMAPSPort, chroot, group)
	path := filepath.Join(s.Dir, "dovecot.conf")
	return path, os.WriteFile(path, []byte(conf), 0o644)
}

// Client logs in over TLS, trusting the test CA.
func (s *Server) Client() (*client.Client, error) {
	c, err := client.DialTLS(s.IMAPSAddr(), &tls.Config{RootCAs: s.CAPool, ServerName: s.Host})
	if err != nil {
		return nil, err
	}
	if err := c.Login(s.User, s.Password); err != nil {
		c.Logout()
		return nil, err
	}
	return c, nil
}

// Append adds messages to mailbox (created if needed), in order.
func (s *Server) Append(mailbox string, msgs ...string) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	defer c.Logout()
	if mailbox != "INBOX" {
		if err := c.Create(mailbox); err != nil && !strings.Contains(err.Error(), "exists") {
			return err
		}
	}
	for _, m := range msgs {
		if err := c.Append(mailbox, nil, time.Now(), bytes.NewBufferString(m)); err != nil {
			return err
		}
	}
	return nil
}

// Recreate deletes mailbox and creates it again with msgs: its UIDVALIDITY changes.
func (s *Server) Recreate(mailbox string, msgs ...string) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	if err := c.Delete(mailbox); err != nil {
		c.Logout()
		return err
	}
	c.Logout()
	return s.Append(mailbox, msgs...)
}

// Status returns the UIDVALIDITY of mailbox and the flags of its messages by UID.
func (s *Server) Status(mailbox string) (uidValidity uint32, flags map[uint32][]string, err error) {
	c, err := s.Client()
	if err != nil {
		return 0, nil, err
	}
	defer c.Logout()
	st, err := c.Select(mailbox, true)
	if err != nil {
		return 0, nil, err
	}
	flags = map[uint32][]string{}
	if st.Messages == 0 {
		return st.UidValidity, flags, nil
	}
	seq := new(imap.SeqSet)
	seq.AddRange(1, 0)
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() { done <- c.Fetch(seq, []imap.FetchItem{imap.FetchUid, imap.FetchFlags}, ch) }()
	for m := range ch {
		flags[m.Uid] = m.Flags
	}
	return st.UidValidity, flags, <-done
}

// Proxy forwards TCP connections to target. Once Cut is armed with n, the connection open at
// that time is closed after the server has sent n more bytes: the connection is lost in the
// middle of whatever the server was sending.
type Proxy struct {
	Addr string
	l    net.Listener

	mu  sync.Mutex
	cut int64 // bytes left before cutting; -1 when not armed
	cnt int   // connections accepted
}

// NewProxy starts a proxy to target on a loopback port.
func NewProxy(target string) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: l.Addr().String(), l: l, cut: -1}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.cnt++
			p.mu.Unlock()
			go p.serve(c, target)
		}
	}()
	return p, nil
}

// Cut arms the proxy: the server's next n bytes are forwarded, then the connection is closed.
func (p *Proxy) Cut(n int64) {
	p.mu.Lock()
	p.cut = n
	p.mu.Unlock()
}

// Close stops accepting connections.
func (p *Proxy) Close() { p.l.Close() }

func (p *Proxy) serve(c net.Conn, target string) {
	defer c.Close()
	s, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { io.Copy(s, c); s.Close() }()
	buf := make([]byte, 4096)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.cut >= 0 {
				if int64(n) >= p.cut {
					n = int(p.cut)
					p.cut = -1 // disarmed: the next connection goes through
					p.mu.Unlock()
					c.Write(buf[:n])
					return
				}
				p.cut -= int64(n)
			}
			p.mu.Unlock()
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
