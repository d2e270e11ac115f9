package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseError is a problem at one line of a policy file. Its text is "file:line: message".
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// joinErrors reports every problem, each on its own line.
func joinErrors(errs []error) error {
	return errors.Join(errs...)
}

// Parse reads one policy file. name is used in error messages ("file:line: ..."). Every
// problem found is reported, joined (see errors.Join); *ParseError values can be extracted
// with errors.As. The result need not be complete: Load lays it over the defaults.
func Parse(name string, data []byte) (*Policy, error) {
	p, errs := parse(name, data)
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return p, nil
}

// parse reads one policy file, returning what it could read (the lines in error left out) and
// every problem.
func parse(name string, data []byte) (*Policy, []error) {
	p := &Policy{}
	var errs []error
	var cur *Section
	skip := false // after a bad header, the section's lines are skipped: their errors would be noise
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n") {
		n := i + 1
		fail := func(format string, args ...any) {
			errs = append(errs, &ParseError{File: name, Line: n, Msg: fmt.Sprintf(format, args...)})
		}
		line = strings.TrimSpace(stripComment(line))
		switch {
		case line == "":
		case line[0] == '[':
			s, err := parseHeader(line)
			if err != nil {
				fail("%v", err)
				cur, skip = nil, true
				continue
			}
			s.File, s.Line = name, n
			if prev := p.section(s.Kind, s.Name); prev != nil {
				fail("duplicate section [%s] (first on line %d)", s.Label(), prev.Line)
				cur, skip = nil, true
				continue
			}
			cur, skip = s, false
			p.add(s)
		case skip:
		case cur == nil:
			fail("setting outside a section: start with [default], [reason NAME] or [provider NAME]")
		default:
			if err := cur.set(name, n, line); err != nil {
				fail("%v", err)
			}
		}
	}
	return p, errs
}

// stripComment removes a # or ; comment: at the start of a line, or after a space.
func stripComment(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
		return ""
	}
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	if i := strings.Index(line, "\t#"); i >= 0 {
		line = line[:i]
	}
	return line
}

// parseHeader parses "[default]", "[reason NAME]" or "[provider NAME]".
func parseHeader(line string) (*Section, error) {
	if !strings.HasSuffix(line, "]") {
		return nil, fmt.Errorf("bad section header %q: missing ]", line)
	}
	words := strings.Fields(line[1 : len(line)-1])
	if len(words) == 0 {
		return nil, errors.New("empty section header []")
	}
	kind := SectionKind(words[0])
	switch kind {
	case KindDefault:
		if len(words) != 1 {
			return nil, fmt.Errorf("bad section header %q: [default] takes no name", line)
		}
		return &Section{Kind: kind}, nil
	case KindReason, KindProvider:
		if len(words) != 2 {
			return nil, fmt.Errorf("bad section header %q: want [%s NAME]", line, kind)
		}
		if !validName(words[1]) {
			return nil, fmt.Errorf("bad %s name %q: use lower-case letters, digits, '.', '_' and '-'", kind, words[1])
		}
		return &Section{Kind: kind, Name: words[1]}, nil
	}
	return nil, fmt.Errorf("unknown section kind %q in %s: want default, reason or provider", words[0], line)
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '.' || c == '_' || c == '-'))
		if !ok {
			return false
		}
	}
	return s != ""
}

// set parses a "key = value" line into the section.
func (s *Section) set(file string, line int, text string) error {
	name, val, ok := strings.Cut(text, "=")
	if !ok {
		return fmt.Errorf("expected key = value, got %q", text)
	}
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	k, ok := lookupKey(name)
	if !ok {
		return fmt.Errorf("unknown key %q (known: %s)", name, strings.Join(Keys(), ", "))
	}
	for _, prev := range s.Settings {
		if prev.Key == name {
			return fmt.Errorf("duplicate key %q (first set on line %d)", name, prev.Line)
		}
	}
	v, err := parseValue(k, val)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	v.src = s.Label()
	s.vals[k] = v
	s.Settings = append(s.Settings, Setting{Key: name, Value: v.text, File: file, Line: line})
	return nil
}

func parseValue(k key, text string) (*value, error) {
	spec := keySpecs[k]
	v := &value{text: text}
	if text == "" {
		return nil, errors.New("missing value")
	}
	switch spec.kind {
	case vTreatment:
		v.t = Treatment(text)
		if !containsTreatment(spec.allowed, v.t) {
			return nil, fmt.Errorf("bad value %q: want one of %s", text, joinTreatments(spec.allowed))
		}
	case vInt:
		n, err := strconv.Atoi(text)
		if err != nil || n < spec.min || n > 1000 {
			return nil, fmt.Errorf("bad number %q: want an integer from %d to 1000", text, spec.min)
		}
		v.n = n
	case vDuration:
		d, err := ParseDuration(text)
		if err != nil {
			return nil, err
		}
		v.d = d
	case vList:
		v.list = strings.Fields(strings.ToLower(strings.ReplaceAll(text, ",", " ")))
		for _, item := range v.list {
			if !validName(item) {
				return nil, fmt.Errorf("bad feedback type %q", item)
			}
		}
		if len(v.list) == 0 {
			return nil, errors.New("empty list: to ignore complaints set complaint = ignore")
		}
		v.text = strings.Join(v.list, " ")
	}
	return v, nil
}

func containsTreatment(list []Treatment, t Treatment) bool {
	for _, v := range list {
		if v == t {
			return true
		}
	}
	return false
}

func joinTreatments(list []Treatment) string {
	s := make([]string, len(list))
	for i, t := range list {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// maxDuration bounds durations to ten years, far from time.Duration overflow.
const maxDuration = 10 * 365 * 24 * time.Hour

// ParseDuration parses a policy duration: a positive integer followed by m (minutes),
// h (hours), d (days of 24 hours) or w (weeks): 90m, 72h, 7d, 2w.
func ParseDuration(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	bad := fmt.Errorf("bad duration %q: want a positive number with a unit m, h, d or w (72h, 7d)", s)
	if len(s) < 2 {
		return 0, bad
	}
	unit, ok := units[s[len(s)-1]]
	if !ok {
		return 0, bad
	}
	digits := s[:len(s)-1]
	if strings.TrimLeft(digits, "0123456789") != "" {
		return 0, bad
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > int64(maxDuration/unit) {
		return 0, bad
	}
	return time.Duration(n) * unit, nil
}

// section finds a section by kind and name.
func (p *Policy) section(kind SectionKind, name string) *Section {
	switch kind {
	case KindDefault:
		return p.def
	case KindReason:
		return p.reasons[name]
	}
	return p.providers[name]
}

// add appends a section and indexes it.
func (p *Policy) add(s *Section) {
	if p.reasons == nil {
		p.reasons, p.providers = map[string]*Section{}, map[string]*Section{}
	}
	p.Sections = append(p.Sections, s)
	switch s.Kind {
	case KindDefault:
		p.def = s
	case KindReason:
		p.reasons[s.Name] = s
	case KindProvider:
		p.providers[s.Name] = s
	}
}

// Overlay returns a new policy: p with q laid over it. A section of q replaces, key by key,
// the settings of the same section of p; sections only in q are added.
func (p *Policy) Overlay(q *Policy) *Policy {
	out := &Policy{}
	for _, s := range p.Sections {
		c := *s
		c.Settings = append([]Setting(nil), s.Settings...)
		out.add(&c)
	}
	for _, s := range q.Sections {
		base := out.section(s.Kind, s.Name)
		if base == nil {
			c := *s
			c.Settings = append([]Setting(nil), s.Settings...)
			out.add(&c)
			continue
		}
		for _, st := range s.Settings {
			k, _ := lookupKey(st.Key)
			base.vals[k] = s.vals[k]
			base.replace(st)
		}
	}
	return out
}

// replace sets a setting, replacing one with the same key.
func (s *Section) replace(st Setting) {
	for i := range s.Settings {
		if s.Settings[i].Key == st.Key {
			s.Settings[i] = st
			return
		}
	}
	s.Settings = append(s.Settings, st)
}

// complete checks that the default section sets every key, so that every event resolves.
func (p *Policy) complete(name string) error {
	if p.def == nil {
		return &ParseError{File: name, Line: 1, Msg: "no [default] section"}
	}
	var missing []string
	for k := range keySpecs {
		if p.def.vals[k] == nil {
			missing = append(missing, keySpecs[k].name)
		}
	}
	if len(missing) > 0 {
		return &ParseError{File: name, Line: p.def.Line,
			Msg: "[default] does not set " + strings.Join(missing, ", ")}
	}
	return nil
}

// loadDefaults parses the defaults, which must set every key in [default].
func loadDefaults(defaults []byte) (*Policy, error) {
	p, err := Parse(DefaultName, defaults)
	if err != nil {
		return nil, err
	}
	if err := p.complete(DefaultName); err != nil {
		return nil, err
	}
	return p, nil
}

// LoadChecked is Load followed by Check of the user's file against the known reasons and
// providers, reporting every problem of both in one error: the lines that do not parse and the
// sections that name an unknown reason or provider.
func LoadChecked(defaults []byte, name string, user []byte, reasons, providers []string) (*Policy, error) {
	p, err := loadDefaults(defaults)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return p, p.Check(reasons, providers)
	}
	q, errs := parse(name, user)
	errs = append(errs, q.check(reasons, providers)...)
	if len(errs) > 0 {
		slices.SortStableFunc(errs, byLine)
		return nil, joinErrors(errs)
	}
	return p.Overlay(q), nil
}

// byLine orders problems by their line (errors without one last).
func byLine(a, b error) int {
	var pa, pb *ParseError
	okA, okB := errors.As(a, &pa), errors.As(b, &pb)
	switch {
	case okA && okB:
		return pa.Line - pb.Line
	case okA:
		return -1
	case okB:
		return 1
	}
	return 0
}

// DefaultName is the name under which the embedded defaults are reported in errors and audit.
const DefaultName = "rules/default.policy"

// Load parses the defaults (rules.DefaultPolicy), which must set every key in [default], and
// lays the user's policy file over them when user is not nil.
func Load(defaults []byte, name string, user []byte) (*Policy, error) {
	p, err := loadDefaults(defaults)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return p, nil
	}
	q, err := Parse(name, user)
	if err != nil {
		return nil, err
	}
	return p.Overlay(q), nil
}
