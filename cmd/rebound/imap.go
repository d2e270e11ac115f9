package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/mailbox"
	"github.com/spf13/pflag"
)

// imapFlags are the flags of commands that read IMAP mailboxes (imaps://USER@HOST/MAILBOX).
type imapFlags struct {
	passwordFile string
	insecure     bool
	timeout      durationFlag
}

func addIMAPFlags(f *pflag.FlagSet, o *imapFlags) {
	f.StringVar(&o.passwordFile, "password-file", "", "read the IMAP password from the first line of `file` (else $REBOUND_IMAP_PASSWORD, else ~/.netrc)")
	f.BoolVar(&o.insecure, "insecure-skip-verify", false, "do not verify the IMAP server's TLS certificate (anyone on the way can read the password)")
	o.timeout = durationFlag(mailbox.DefaultIMAPTimeout)
	f.Var(&o.timeout, "imap-timeout", "bound on connecting to the IMAP server and on each of its commands (a duration: 30s, 2m)")
}

// options returns the mailbox settings of IMAP paths, warning about --insecure-skip-verify
// when paths name an IMAP mailbox.
func (o *imapFlags) options(g *globalOptions, paths []string) *mailbox.IMAPOptions {
	for _, p := range paths {
		if mailbox.IsIMAP(p) && o.insecure {
			g.warnf("warning: --insecure-skip-verify: the IMAP server's certificate is not checked, so anyone on the network path can pose as the server and read the password")
			break
		}
	}
	return &mailbox.IMAPOptions{
		Password:           o.password,
		InsecureSkipVerify: o.insecure,
		Timeout:            time.Duration(o.timeout),
		Warn:               func(msg string) { g.warnf("warning: %s", msg) },
	}
}

// password finds the password of user at host: --password-file, else $REBOUND_IMAP_PASSWORD,
// else the netrc file ($NETRC, else ~/.netrc). Never from the command line.
func (o *imapFlags) password(user, host string) (string, error) {
	if o.passwordFile != "" {
		data, err := os.ReadFile(o.passwordFile)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		if line = strings.TrimSuffix(line, "\r"); line == "" {
			return "", fmt.Errorf("password file %s: the first line is empty", o.passwordFile)
		}
		return line, nil
	}
	if p := os.Getenv("REBOUND_IMAP_PASSWORD"); p != "" {
		return p, nil
	}
	path := os.Getenv("NETRC")
	if path == "" {
		home, err := os.UserHomeDir()
		if err == nil {
			path = filepath.Join(home, ".netrc")
		}
	}
	if path != "" {
		p, ok, err := netrcPassword(path, host, user)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("netrc: %w", err)
		}
		if ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("no password for %s at %s; hint: set REBOUND_IMAP_PASSWORD, or use --password-file FILE, or add \"machine %s login %s password ...\" to ~/.netrc", user, host, host, user)
}

// netrcPassword looks up the password of login at machine in a netrc file: the first entry
// "machine HOST" whose login is empty or login, else the "default" entry. Tokens are separated
// by white space; "macdef" definitions are skipped (they end at an empty line).
func netrcPassword(path, machine, login string) (string, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	type entry struct {
		machine, login, password string
		isDefault, hasPassword   bool
	}
	var entries []entry
	var cur *entry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	inMacro := false
	var key string
	for sc.Scan() {
		line := sc.Text()
		if inMacro {
			inMacro = strings.TrimSpace(line) != ""
			continue
		}
		for _, tok := range strings.Fields(line) {
			switch {
			case key != "":
				if cur != nil {
					switch key {
					case "machine":
						cur.machine = tok
					case "login":
						cur.login = tok
					case "password":
						cur.password, cur.hasPassword = tok, true
					}
				}
				key = ""
			case tok == "machine":
				entries = append(entries, entry{})
				cur = &entries[len(entries)-1]
				key = tok
			case tok == "default":
				entries = append(entries, entry{isDefault: true})
				cur = &entries[len(entries)-1]
			case tok == "login" || tok == "password" || tok == "account":
				key = tok
			case tok == "macdef":
				inMacro = true
			}
			if inMacro {
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", false, err
	}
	for _, def := range []bool{false, true} {
		for _, e := range entries {
			if e.isDefault == def && (def || strings.EqualFold(e.machine, machine)) &&
				(e.login == "" || e.login == login) && e.hasPassword {
				return e.password, true, nil
			}
		}
	}
	return "", false, nil
}
