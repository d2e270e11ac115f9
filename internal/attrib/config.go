package attrib

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/config"
)

// maxConfigSize bounds an attribution file: a few lines are expected.
const maxConfigSize = 1 << 20

// ParseConfig reads an attribution file, in the format of docs/config.md: keys without
// sections, '#' comments, lists separated by | or one item per indented line.
//
//	sources           = verp | x-campaign-id | feedback-id   # order of precedence
//	verp              = bounces+{campaign}-{recipient}@     # one pattern per line
//	                    b-{campaign}@bounce.example.com
//	feedback_id_field = 1
//	message_id        = ^(?P<campaign>[a-z0-9]+)\.
//	sending_domain    = from | return-path
//
// Keys that are absent keep their DefaultConfig value. Every problem of the file is reported,
// each as "file:line: message", joined (errors.Join). A file in the format of before issue 14
// (kebab-case keys, lists separated by commas) loads with the same meaning.
func ParseConfig(r io.Reader, name string) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: not an attribution file", name, maxConfigSize)
	}
	f := config.Parse(name, data)
	d := DefaultConfig()
	cfg := &Config{Order: d.Order, FeedbackIDField: d.FeedbackIDField, DomainOrder: d.DomainOrder}
	for _, s := range f.Sections {
		f.Errorf(s.Line, "an attribution file has no sections: remove [%s]", s.Label())
	}
	seen := map[string]int{}
	for _, e := range f.Top {
		if prev, ok := seen[e.Key]; ok && e.Key != "verp" {
			f.Errorf(e.Line, "%s given twice (first on line %d)", e.Key, prev)
			continue
		}
		seen[e.Key] = e.Line
		cfg.set(f, e)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := cfg.Compile(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// set reads one key of an attribution file into c, recording any problem in f.
func (c *Config) set(f *config.File, e *config.Entry) {
	switch e.Key {
	case "sources":
		c.Order = nil
		for _, v := range items(f, e) {
			s := Source(strings.ToLower(v.Text))
			if !knownSource(s) {
				f.Errorf(v.Line, "unknown source %q", v.Text)
				continue
			}
			c.Order = append(c.Order, s)
		}
	case "verp":
		for _, v := range e.Lines() {
			if vp, err := compileVERP(v.Text); err != nil {
				f.Errorf(v.Line, "%v", err)
			} else {
				c.VERP = append(c.VERP, vp.src)
			}
		}
	case "feedback_id_field":
		if v, ok := f.One(e); ok {
			n, err := strconv.Atoi(v.Text)
			if err != nil || n < 1 || n > 16 {
				f.Errorf(v.Line, "feedback_id_field: want a number from 1 to 16, got %q", v.Text)
				return
			}
			c.FeedbackIDField = n
		}
	case "message_id":
		if v, ok := f.One(e); ok {
			if _, err := compileMessageID(v.Text); err != nil {
				f.Errorf(v.Line, "%v", err)
				return
			}
			c.MessageID = v.Text
		}
	case "sending_domain":
		c.DomainOrder = []DomainSource{}
		for _, v := range items(f, e) {
			d := DomainSource(strings.ToLower(v.Text))
			if d != DomainFrom && d != DomainReturnPath {
				f.Errorf(v.Line, "unknown sending_domain source %q (want from or return-path)", v.Text)
				continue
			}
			c.DomainOrder = append(c.DomainOrder, d)
		}
	default:
		f.Errorf(e.Line, "unknown key %q (want sources, verp, feedback_id_field, message_id or sending_domain)", e.Key)
	}
}

// items returns the items of a list of names. The old syntax, names separated by commas, is
// read too (a name has no comma), with a note.
func items(f *config.File, e *config.Entry) []config.Value {
	var out []config.Value
	for _, v := range e.List() {
		if !strings.Contains(v.Text, ",") {
			out = append(out, v)
			continue
		}
		var parts []string
		for _, p := range strings.Split(v.Text, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
				out = append(out, config.Value{Text: p, Line: v.Line})
			}
		}
		f.Notef(v.Line, "%s: list items are separated by | now: %q is read as %s", e.Key, v.Text, strings.Join(parts, " | "))
	}
	return out
}
