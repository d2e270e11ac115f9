package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/config"
)

// ParseError is a problem at one line of a policy file. Its text is "file:line: message".
type ParseError = config.Error

func joinErrors(errs []error) error {
	config.SortErrors(errs)
	return errors.Join(errs...)
}

// Parse reads one policy file (the format of docs/config.md: [default], [reason NAME] and
// [provider NAME] sections of key = value settings, and a [privacy] section). name is used in error messages
// ("file:line: ..."). Every problem found is reported, joined (see errors.Join); *ParseError
// values can be extracted with errors.As. The result need not be complete: Load lays it over
// the defaults.
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
	f := config.Parse(name, data)
	p := &Policy{}
	for _, e := range f.Top {
		f.Errorf(e.Line, "setting outside a section: start with [default], [reason NAME], [provider NAME] or [privacy]")
	}
	for _, sec := range f.Sections {
		if SectionKind(sec.Kind) == KindPrivacy {
			p.parsePrivacy(f, sec)
			continue
		}
		s, err := parseHeader(sec)
		if err != nil {
			f.Errorf(sec.Line, "%v", err) // the section's settings are left out: their errors would be noise
			continue
		}
		s.File, s.Line = name, sec.Line
		if prev := p.section(s.Kind, s.Name); prev != nil {
			f.Errorf(sec.Line, "duplicate section [%s] (first on line %d)", s.Label(), prev.Line)
			continue
		}
		p.add(s)
		for _, e := range sec.Entries {
			s.set(f, e)
		}
	}
	return p, f.Errors
}

// parseHeader reads a [default], [reason NAME] or [provider NAME] header.
func parseHeader(sec *config.Section) (*Section, error) {
	kind := SectionKind(sec.Kind)
	switch kind {
	case KindDefault:
		if sec.Name != "" {
			return nil, fmt.Errorf("bad section header \"[%s]\": [default] takes no name", sec.Label())
		}
		return &Section{Kind: kind}, nil
	case KindReason, KindProvider:
		if sec.Name == "" {
			return nil, fmt.Errorf("bad section header \"[%s]\": want [%s NAME]", sec.Label(), kind)
		}
		if !validName(sec.Name) {
			return nil, fmt.Errorf("bad %s name %q: use lower-case letters, digits, '.', '_' and '-'", kind, sec.Name)
		}
		return &Section{Kind: kind, Name: sec.Name}, nil
	}
	return nil, fmt.Errorf("unknown section kind %q in [%s]: want default, reason, provider or privacy%s", sec.Kind, sec.Label(),
		didYouMean(sec.Kind, []string{string(KindDefault), string(KindReason), string(KindProvider), string(KindPrivacy)}))
}

// didYouMean is "; did you mean X?" when X of known is probably what name meant, else "".
func didYouMean(name string, known []string) string {
	if m := config.DidYouMean(name, known); m != "" {
		return "; did you mean " + m + "?"
	}
	return ""
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

// set reads one setting into the section, recording any problem in f.
func (s *Section) set(f *config.File, e *config.Entry) {
	k, ok := lookupKey(e.Key)
	if !ok && isPrivacyKey(e.Key) {
		f.Errorf(e.Line, "%s decides no state: it belongs in the [privacy] section", e.Key)
		return
	}
	if !ok {
		f.Errorf(e.Line, "unknown key %q (known: %s)%s", e.Key, strings.Join(Keys(), ", "), didYouMean(e.Key, append(Keys(), privacyKeys...)))
		return
	}
	for _, prev := range s.Settings {
		if prev.Key == e.Key {
			f.Errorf(e.Line, "duplicate key %q (first set on line %d)", e.Key, prev.Line)
			return
		}
	}
	var v *value
	var err error
	if keySpecs[k].kind == vList {
		v, err = parseList(f, e)
	} else if one, ok := f.One(e); ok {
		v, err = parseValue(k, one.Text)
	} else {
		return
	}
	if errors.Is(err, errReported) {
		return
	}
	if err != nil {
		f.Errorf(e.Line, "%s: %v", e.Key, err)
		return
	}
	v.src = s.Label()
	s.vals[k] = v
	s.Settings = append(s.Settings, Setting{Key: e.Key, Value: v.text, File: f.Name, Line: e.Line})
}

// FeedbackTypes are the ARF feedback types complaint_types may name: the IANA registry of
// Feedback-Type values, RFC 5965 section 7.3 (abuse, fraud, other, virus), with auth-failure
// (RFC 6591) and not-spam (RFC 6430).
var FeedbackTypes = []string{"abuse", "fraud", "other", "virus", "auth-failure", "not-spam"}

// errReported is returned by a value's parser that recorded its problems itself, each at its
// own line.
var errReported = errors.New("reported")

// parseList reads complaint_types: feedback types separated by | or one per line. The old
// syntax, separated by spaces or commas, is read too (a feedback type has neither), with a note.
// A type outside the registry (FeedbackTypes) is a problem at its line, so that a typo does not
// silently leave complaints uncounted.
func parseList(f *config.File, e *config.Entry) (*value, error) {
	v := &value{}
	unknown := false
	for _, item := range e.List() {
		words := strings.Fields(strings.ToLower(strings.ReplaceAll(item.Text, ",", " ")))
		if len(words) > 1 {
			f.Notef(item.Line, "%s: list items are separated by | now: %q is read as %s", e.Key, item.Text, strings.Join(words, " | "))
		}
		for _, w := range words {
			if !validName(w) {
				return nil, fmt.Errorf("bad feedback type %q", w)
			}
			if !slices.Contains(FeedbackTypes, w) {
				f.Errorf(item.Line, "%s: unknown feedback type %q: want one of %s (the ARF registry: RFC 5965, 6591, 6430)%s",
					e.Key, w, strings.Join(FeedbackTypes, ", "), didYouMean(w, FeedbackTypes))
				unknown = true
				continue
			}
			v.list = append(v.list, w)
		}
	}
	if unknown {
		return nil, errReported
	}
	if len(v.list) == 0 {
		return nil, errors.New("empty list: to ignore complaints set complaint = ignore")
	}
	v.text = strings.Join(v.list, " ")
	return v, nil
}

func parseValue(k key, text string) (*value, error) {
	spec := keySpecs[k]
	v := &value{text: text}
	switch spec.kind {
	case vTreatment:
		v.t = Treatment(text)
		if !containsTreatment(spec.allowed, v.t) {
			names := make([]string, len(spec.allowed))
			for i, t := range spec.allowed {
				names[i] = string(t)
			}
			return nil, fmt.Errorf("bad value %q: want one of %s%s", text, joinTreatments(spec.allowed), didYouMean(text, names))
		}
	case vInt:
		n, err := strconv.Atoi(text)
		if err != nil || n < spec.min || n > 1000 {
			return nil, fmt.Errorf("bad number %q: want an integer from %d to 1000", text, spec.min)
		}
		v.n = n
	case vDuration:
		d, err := config.ParseDuration(text)
		if err != nil {
			return nil, err
		}
		v.d = d
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
	out := &Policy{Privacy: p.Privacy.overlay(q.Privacy)}
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
	if errs := p.checkPrivacy(); len(errs) > 0 {
		return nil, joinErrors(errs)
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
		return nil, joinErrors(errs)
	}
	p = p.Overlay(q)
	if errs := p.checkPrivacy(); len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return p, nil
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
	p = p.Overlay(q)
	if errs := p.checkPrivacy(); len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return p, nil
}
