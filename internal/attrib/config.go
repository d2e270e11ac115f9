package attrib

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseConfig reads an attribution file: one "key = value" per line, '#' starts a comment.
//
//	sources           = verp, x-campaign-id, feedback-id   # order of precedence
//	verp              = bounces+{campaign}-{recipient}@    # may be repeated
//	feedback-id-field = 1
//	message-id        = ^(?P<campaign>[a-z0-9]+)\.
//	sending-domain    = from, return-path
//
// Keys that are absent keep their DefaultConfig value. Errors name the file and line.
func ParseConfig(r io.Reader, name string) (*Config, error) {
	c := DefaultConfig()
	cfg := &Config{Order: c.Order, FeedbackIDField: c.FeedbackIDField, DomainOrder: c.DomainOrder}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for line := 1; sc.Scan(); line++ {
		if err := cfg.parseLine(sc.Text()); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cfg.Compile(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

func (c *Config) parseLine(text string) error {
	text = strings.TrimSpace(stripComment(text))
	if text == "" {
		return nil
	}
	key, value, ok := strings.Cut(text, "=")
	if !ok {
		return errorf("want key = value, got %q", text)
	}
	key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
	switch key {
	case "sources":
		return c.setSources(value)
	case "verp":
		vp, err := compileVERP(value)
		if err != nil {
			return err
		}
		c.VERP = append(c.VERP, vp.src)
	case "feedback-id-field":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 16 {
			return errorf("feedback-id-field: want a number from 1 to 16, got %q", value)
		}
		c.FeedbackIDField = n
	case "message-id":
		if _, err := compileMessageID(value); err != nil {
			return err
		}
		c.MessageID = value
	case "sending-domain":
		return c.setDomainOrder(value)
	default:
		return errorf("unknown key %q (want sources, verp, feedback-id-field, message-id or sending-domain)", key)
	}
	return nil
}

// stripComment removes a '#' comment that starts a line or follows white space, so that '#'
// inside a pattern (e.g. "a#b") survives.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

func (c *Config) setSources(value string) error {
	c.Order = nil
	for _, f := range splitList(value) {
		s := Source(strings.ToLower(f))
		if !knownSource(s) {
			return errorf("unknown source %q", f)
		}
		c.Order = append(c.Order, s)
	}
	return nil
}

func (c *Config) setDomainOrder(value string) error {
	c.DomainOrder = []DomainSource{}
	for _, f := range splitList(value) {
		d := DomainSource(strings.ToLower(f))
		if d != DomainFrom && d != DomainReturnPath {
			return errorf("unknown sending-domain source %q (want from or return-path)", f)
		}
		c.DomainOrder = append(c.DomainOrder, d)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
