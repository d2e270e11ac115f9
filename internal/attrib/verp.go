package attrib

import (
	"fmt"
	"strings"
)

// VERP patterns are literal text with placeholders:
//
//	{campaign}   the campaign (required, matched as short as possible)
//	{recipient}  the original recipient encoded as local=domain
//	{*}          anything
//
// Placeholders never match '@'. A pattern that ends with '@' (or has no '@') leaves the domain
// free; otherwise the whole address must match. Literal text matches without regard to case.

const (
	maxPlaceholders = 3
	maxVERPAddress  = 320 // RFC 5321 section 4.5.3.1: 64 + 1 + 255
)

type placeholder int

const (
	literal placeholder = iota
	phCampaign
	phRecipient
	phAny
)

type verpToken struct {
	kind placeholder
	text string // for literal
}

type verpPattern struct {
	src       string
	tokens    []verpToken
	localOnly bool // the pattern ends at '@': match the local part only
}

// verpMatch is what a pattern captured.
type verpMatch struct {
	Campaign  string
	Recipient string // decoded: local@domain
}

func compileVERP(src string) (*verpPattern, error) {
	p := &verpPattern{src: src}
	s := strings.TrimSpace(src)
	switch {
	case s == "":
		return nil, errorf("empty verp pattern")
	case strings.HasSuffix(s, "@"):
		p.localOnly, s = true, strings.TrimSuffix(s, "@")
	case !strings.Contains(s, "@"):
		p.localOnly = true
	}
	if err := p.tokenize(s); err != nil {
		return nil, err
	}
	return p, p.check()
}

func (p *verpPattern) tokenize(s string) error {
	for s != "" {
		i := strings.IndexAny(s, "{}")
		if i < 0 {
			p.tokens = append(p.tokens, verpToken{kind: literal, text: s})
			return nil
		}
		if s[i] == '}' {
			return errorf("verp pattern %q: unbalanced '}'", p.src)
		}
		if i > 0 {
			p.tokens = append(p.tokens, verpToken{kind: literal, text: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return errorf("verp pattern %q: unbalanced '{'", p.src)
		}
		kind, err := placeholderKind(s[i+1 : i+j])
		if err != nil {
			return fmt.Errorf("verp pattern %q: %w", p.src, err)
		}
		p.tokens = append(p.tokens, verpToken{kind: kind})
		s = s[i+j+1:]
	}
	return nil
}

func placeholderKind(name string) (placeholder, error) {
	switch name {
	case "campaign":
		return phCampaign, nil
	case "recipient":
		return phRecipient, nil
	case "*":
		return phAny, nil
	}
	return 0, errorf("unknown placeholder {%s} (want {campaign}, {recipient} or {*})", name)
}

// check rejects patterns that cannot be matched unambiguously.
func (p *verpPattern) check() error {
	var campaigns, recipients, holders int
	for i, t := range p.tokens {
		if t.kind == literal {
			if strings.ContainsAny(t.text, "{}") {
				return errorf("verp pattern %q: stray brace", p.src)
			}
			continue
		}
		holders++
		if i > 0 && p.tokens[i-1].kind != literal {
			return errorf("verp pattern %q: placeholders must be separated by text", p.src)
		}
		switch t.kind {
		case phCampaign:
			campaigns++
		case phRecipient:
			recipients++
		}
	}
	switch {
	case campaigns != 1:
		return errorf("verp pattern %q: needs exactly one {campaign}", p.src)
	case recipients > 1:
		return errorf("verp pattern %q: more than one {recipient}", p.src)
	case holders > maxPlaceholders:
		return errorf("verp pattern %q: more than %d placeholders", p.src, maxPlaceholders)
	}
	return nil
}

// match matches an address. When want (the failed recipient) is not empty, {recipient} must
// decode to it, which settles where {campaign} ends when both could contain the separator.
func (p *verpPattern) match(addr, want string) (verpMatch, bool) {
	if len(addr) > maxVERPAddress {
		return verpMatch{}, false
	}
	s := addr
	if p.localOnly {
		i := strings.LastIndexByte(addr, '@')
		if i < 0 {
			return verpMatch{}, false
		}
		s = addr[:i]
	}
	var m verpMatch
	if !p.rec(0, s, 0, &m, bareAddress(want)) {
		return verpMatch{}, false
	}
	return m, true
}

func (p *verpPattern) rec(ti int, s string, pos int, m *verpMatch, want string) bool {
	if ti == len(p.tokens) {
		return pos == len(s)
	}
	t := p.tokens[ti]
	if t.kind == literal {
		end := pos + len(t.text)
		return end <= len(s) && strings.EqualFold(s[pos:end], t.text) && p.rec(ti+1, s, end, m, want)
	}
	for end := pos + 1; end <= len(s); end++ {
		if s[end-1] == '@' {
			return false
		}
		if !p.fits(ti, s, end) || !p.accept(t.kind, s[pos:end], m, want) {
			continue
		}
		if p.rec(ti+1, s, end, m, want) {
			return true
		}
	}
	return false
}

// fits is a quick test: the literal after a placeholder must start at end.
func (p *verpPattern) fits(ti int, s string, end int) bool {
	if ti+1 == len(p.tokens) {
		return end == len(s)
	}
	next := p.tokens[ti+1].text
	return len(s)-end >= len(next) && strings.EqualFold(s[end:end+len(next)], next)
}

// accept checks a candidate value of a placeholder and records it.
func (p *verpPattern) accept(kind placeholder, v string, m *verpMatch, want string) bool {
	switch kind {
	case phCampaign:
		m.Campaign = v
	case phRecipient:
		r, ok := decodeRecipient(v)
		if !ok || (want != "" && !strings.EqualFold(r, want)) {
			return false
		}
		m.Recipient = r
	}
	return true
}

// decodeRecipient turns "local=domain" into "local@domain", splitting at the last '='.
func decodeRecipient(v string) (string, bool) {
	i := strings.LastIndexByte(v, '=')
	if i <= 0 || i == len(v)-1 {
		return "", false
	}
	return v[:i] + "@" + v[i+1:], true
}
