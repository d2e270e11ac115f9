package classify

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/config"
)

// stage is a step of the order of decision (docs/rules.md); earlier stages win.
type stage int

// Stages, in order. The kind step (feedback, auto-reply, delivered) comes before all of them
// and is not driven by rules. Every rule states its stage (stage = ...), but for those of
// --rules DIR, which are user rules unless they state another.
const (
	stageUser     stage = iota + 1 // rules from --rules DIR
	stageProvider                  // rules about one provider: a provider or mta condition
	stagePhrase                    // rules on the diagnostic text: phrase, regex or like
	stageHint                      // rules on what the decoder read from the structure
	stageStatus                    // the status-code table
	stageReply                     // reply code and other fallbacks
	nStages
)

var stageNames = [...]string{stageUser: "user", stageProvider: "provider", stagePhrase: "phrase",
	stageHint: "hint", stageStatus: "status", stageReply: "reply"}

func (s stage) String() string { return stageNames[s] }

// defaultConfidence is the confidence of a decision taken at each stage, unless the rule says.
var defaultConfidence = [...]float64{stageUser: 0.95, stageProvider: 0.95, stagePhrase: 0.9,
	stageHint: 0.85, stageStatus: 0.8, stageReply: 0.4}

// genericConfidence is the confidence of a status-table rule marked generic.
const genericConfidence = 0.6

// rule is one [rule ID] section of a rules file.
type rule struct {
	id    string
	file  string
	line  int
	stage stage
	user  bool // from --rules DIR

	// conditions: values of one key are OR-ed, keys are AND-ed
	statuses   []statusPattern
	replies    []replyPattern
	phrases    []string // normalised (see normalize)
	notPhrases []string
	regexes    []*lazyRegex
	regexLits  [][][]string // per regex: sets of literals; a match contains one of each set
	providers  []string
	dsnActions []string
	mtas       []string // host globs
	formats    []string
	kinds      []string
	hints      []string
	commands   []string
	diagTypes  []string // RFC 3464 Diagnostic-Code types
	like       []string // ids of rules whose text conditions this rule shares
	likeLine   int

	strong  bool // phrase rule that applies even when the status code is specific
	generic bool // status rule whose code says little: phrase rules win over it

	// result
	reason     bounce.Reason
	typ        bounce.Type   // "" when derived from the reason
	action     bounce.Action // "" when derived from the reason and type
	confidence float64

	// filled by compile
	phraseIDs []int32
	notIDs    []int32
	regexIDs  [][][]int32 // regexLits as phrase ids
	anyText   bool        // a regex without literals: the rule is always a candidate
}

func (r *rule) pos() string { return r.file + ":" + strconv.Itoa(r.line) }

// hasText reports whether the rule has a text condition: one of its phrases must occur in
// the diagnostic or one of its regexes must match it.
func (r *rule) hasText() bool { return len(r.phrases) > 0 || len(r.regexes) > 0 || len(r.like) > 0 }

// provider is one [provider ID] section of a providers file.
type provider struct {
	id      string
	name    string
	file    string
	line    int
	domains []string // exact names or globs ("hotmail.*")
	mtas    []string // host globs ("*.protection.outlook.com")
}

// DSN Action values (RFC 3464 section 2.3.3), kinds and SMTP commands accepted in conditions.
var (
	dsnActionValues = []string{"failed", "delayed", "delivered", "relayed", "expanded"}
	kindValues      = []string{"bounce", "feedback", "autoreply"}
)

// parseRules reads a rules file: [rule ID] sections (docs/config.md, docs/rules.md). user
// marks files from --rules DIR, whose rules belong to the user stage unless they state another.
// Problems are appended to errs and notes on old syntax to notes, each "file:line: message".
func parseRules(file string, data []byte, user bool, errs *[]error, notes *[]*config.Error) []*rule {
	f := config.Parse(file, data)
	if len(f.Top) > 0 {
		f.Errorf(f.Top[0].Line, "%s = ... before the first [rule ID] section", f.Top[0].Key)
	}
	var rules []*rule
	for _, s := range f.Sections {
		id, ok := sectionID(f, s, "rule")
		if !ok {
			continue
		}
		if r := parseRule(f, s, id, user); r != nil {
			rules = append(rules, r)
		}
	}
	*errs = append(*errs, f.Errors...)
	*notes = append(*notes, f.Notes...)
	return rules
}

// sectionID returns the id of a [kind ID] section, or of an old-style [ID] one (read with a
// note), and reports any other header.
func sectionID(f *config.File, s *config.Section, kind string) (string, bool) {
	id := s.Name
	switch {
	case s.Kind == kind && s.Name == "":
		f.Errorf(s.Line, "[%s] needs an id: [%s ID]", kind, kind)
		return "", false
	case s.Name == "":
		id = s.Kind
		f.Notef(s.Line, "[%s] is written [%s %s] now (the old header is read for compatibility)", id, kind, id)
	case s.Kind != kind:
		f.Errorf(s.Line, "unknown section [%s]: this file holds [%s ID] sections", s.Label(), kind)
		return "", false
	}
	if !config.ValidName(id) {
		f.Errorf(s.Line, "bad id %q: use letters, digits, '.', '_' and '-'", id)
		return "", false
	}
	return id, true
}

func parseRule(f *config.File, s *config.Section, id string, user bool) *rule {
	r := &rule{id: id, file: f.Name, line: s.Line, user: user}
	nerr := len(f.Errors)
	seen := map[string]int{}
	for _, e := range s.Entries {
		seen[e.Key]++
		if _, ok := resultKeys[e.Key]; ok && seen[e.Key] > 1 {
			f.Errorf(e.Line, "%s given twice in [%s]", e.Key, id)
			continue
		}
		if e.Key == "like" {
			r.likeLine = e.Line
		}
		switch set, cond := resultKeys[e.Key], conditionKeys[e.Key]; {
		case e.Key == "regex":
			for _, v := range e.Lines() {
				addRegex(f, r, v)
			}
		case cond != nil:
			for _, v := range e.List() {
				if p := cond(r, v.Text); p != "" {
					f.Errorf(v.Line, "%s", p)
				}
			}
		case set != nil:
			if v, ok := f.One(e); ok {
				if p := set(r, v.Text); p != "" {
					f.Errorf(v.Line, "%s", p)
				}
			}
		default:
			f.Errorf(e.Line, "unknown key %q", e.Key)
		}
	}
	if seen["reason"] == 0 {
		f.Errorf(s.Line, "[%s] has no result: add reason = NAME", id)
	}
	if len(s.Entries) > 0 && !r.hasCondition() && seen["reason"] > 0 && len(f.Errors) == nerr {
		f.Errorf(s.Line, "[%s] has no condition: it would match everything", id)
	}
	checkStage(f, r, seen["stage"] > 0)
	if len(f.Errors) > nerr {
		return nil
	}
	return r
}

// checkStage gives a rule without a stated stage its place, and checks that the stage fits:
// a built-in rule states its stage; one from --rules DIR is a user rule unless it states
// another stage (a copy of a built-in rule keeps its place). A stage's rules have the
// condition the stage is about.
func checkStage(f *config.File, r *rule, stated bool) {
	switch {
	case !stated && r.user:
		r.stage = stageUser
	case !stated:
		f.Errorf(r.line, "[%s] has no stage: add stage = provider, phrase, hint, status or reply (docs/rules.md)", r.id)
		return
	case r.stage == stageUser && !r.user:
		f.Errorf(r.line, "[%s]: stage user is for rules of --rules DIR", r.id)
		return
	}
	need := map[stage]struct {
		has  bool
		what string
	}{
		stageProvider: {len(r.providers)+len(r.mtas) > 0, "a provider or mta condition"},
		stagePhrase:   {r.hasText(), "a phrase, regex or like condition"},
		stageHint:     {len(r.hints)+len(r.diagTypes) > 0, "a hint or diagnostic_type condition"},
		stageStatus:   {len(r.statuses) > 0, "a status condition"},
	}
	if n, ok := need[r.stage]; ok && !n.has && r.hasCondition() {
		f.Errorf(r.line, "[%s]: a rule of the %s stage needs %s", r.id, r.stage, n.what)
	}
	if r.strong && r.stage != stagePhrase && r.stage != stageUser {
		f.Errorf(r.line, "[%s]: strong applies to phrase rules only", r.id)
	}
	if r.generic && r.stage != stageStatus {
		f.Errorf(r.line, "[%s]: generic applies to status-table rules only (stage = status)", r.id)
	}
}

// A key setter reads one item of a key into a rule and says what is wrong with it, if
// anything ("" when nothing).
type keySetter func(r *rule, item string) string

// conditionKeys are the keys that say when a rule applies; their items are alternatives.
// regex is one too, read one expression per line (addRegex).
var conditionKeys = map[string]keySetter{
	"status": func(r *rule, v string) string {
		p, err := parseStatusPattern(v)
		if err != nil {
			return err.Error()
		}
		r.statuses = append(r.statuses, p)
		return ""
	},
	"reply": func(r *rule, v string) string {
		p, err := parseReplyPattern(v)
		if err != nil {
			return err.Error()
		}
		r.replies = append(r.replies, p)
		return ""
	},
	"phrase":          func(r *rule, v string) string { return addPhrase(&r.phrases, "phrase", v) },
	"not_phrase":      func(r *rule, v string) string { return addPhrase(&r.notPhrases, "not_phrase", v) },
	"like":            func(r *rule, v string) string { r.like = append(r.like, v); return "" },
	"provider":        func(r *rule, v string) string { return addLower(&r.providers, v) },
	"mta":             func(r *rule, v string) string { return addLower(&r.mtas, v) },
	"format":          func(r *rule, v string) string { return addLower(&r.formats, v) },
	"hint":            func(r *rule, v string) string { return addLower(&r.hints, v) },
	"diagnostic_type": func(r *rule, v string) string { return addLower(&r.diagTypes, v) },
	"dsn_action": func(r *rule, v string) string {
		return addOneOf(&r.dsnActions, "dsn_action", v, dsnActionValues)
	},
	"kind": func(r *rule, v string) string { return addOneOf(&r.kinds, "kind", v, kindValues) },
	"command": func(r *rule, v string) string {
		v = strings.ToUpper(v)
		if v == "NONE" {
			v = "" // the decoder did not tell which command the error answered
		}
		r.commands = append(r.commands, v)
		return ""
	},
}

// resultKeys are the keys that say what a rule decides, its stage and its flags; each takes
// one value and may be given once.
var resultKeys = map[string]keySetter{
	"reason": func(r *rule, v string) string {
		reason, ok := bounce.ParseReason(v)
		if !ok {
			return fmt.Sprintf("unknown reason %q (see docs/reasons.md)", v)
		}
		r.reason = reason
		return ""
	},
	"type": func(r *rule, v string) string {
		t := bounce.Type(strings.ToLower(v))
		if !t.Valid() {
			return fmt.Sprintf("unknown type %q", v)
		}
		r.typ = t
		return ""
	},
	"action": func(r *rule, v string) string {
		a := bounce.Action(strings.ToLower(v))
		if !a.Valid() {
			return fmt.Sprintf("unknown action %q (for the DSN Action field use dsn_action)", v)
		}
		r.action = a
		return ""
	},
	"confidence": func(r *rule, v string) string {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 1) {
			return fmt.Sprintf("confidence must be a number in (0, 1], got %q", v)
		}
		r.confidence = f
		return ""
	},
	"stage": func(r *rule, v string) string {
		for s := stageUser; s < nStages; s++ {
			if strings.EqualFold(v, s.String()) {
				r.stage = s
				return ""
			}
		}
		return fmt.Sprintf("unknown stage %q: want provider, phrase, hint, status or reply (or user)", v)
	},
	"generic": func(r *rule, v string) string { return setFlag(&r.generic, "generic", v) },
	"strong":  func(r *rule, v string) string { return setFlag(&r.strong, "strong", v) },
}

// addPhrase normalises a phrase as the text will be (see normalize) and appends it.
func addPhrase(dst *[]string, key, v string) string {
	p := normalizeString(v)
	if len(p) < 2 {
		return fmt.Sprintf("%s %q is too short", key, v)
	}
	*dst = append(*dst, p)
	return ""
}

func addLower(dst *[]string, v string) string {
	*dst = append(*dst, strings.ToLower(v))
	return ""
}

func addOneOf(dst *[]string, key, v string, allowed []string) string {
	v = strings.ToLower(v)
	if !oneOf(v, allowed) {
		return fmt.Sprintf("unknown %s %q: want one of %s", key, v, strings.Join(allowed, ", "))
	}
	*dst = append(*dst, v)
	return ""
}

func setFlag(dst *bool, key, v string) string {
	on, ok := parseBool(v)
	if !ok {
		return fmt.Sprintf("%s: want yes or no, got %q", key, v)
	}
	*dst = on
	return ""
}

func (r *rule) hasCondition() bool {
	return len(r.statuses)+len(r.replies)+len(r.phrases)+len(r.regexes)+len(r.providers)+
		len(r.dsnActions)+len(r.mtas)+len(r.formats)+len(r.kinds)+len(r.hints)+len(r.commands)+len(r.diagTypes)+len(r.like) > 0
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "1":
		return true, true
	case "no", "false", "off", "0":
		return false, true
	}
	return false, false
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parseProviders reads a providers file: [provider ID] sections with name, domain and mta.
func parseProviders(file string, data []byte, errs *[]error, notes *[]*config.Error) []*provider {
	f := config.Parse(file, data)
	if len(f.Top) > 0 {
		f.Errorf(f.Top[0].Line, "%s = ... before the first [provider ID] section", f.Top[0].Key)
	}
	var out []*provider
	for _, s := range f.Sections {
		id, ok := sectionID(f, s, "provider")
		if !ok {
			continue
		}
		p := &provider{id: strings.ToLower(id), file: file, line: s.Line}
		nerr := len(f.Errors)
		for _, e := range s.Entries {
			switch e.Key {
			case "name":
				if v, ok := f.One(e); ok {
					p.name = v.Text
				}
			case "domain":
				for _, v := range e.List() {
					p.domains = append(p.domains, strings.TrimSuffix(strings.ToLower(v.Text), "."))
				}
			case "mta":
				for _, v := range e.List() {
					p.mtas = append(p.mtas, strings.TrimSuffix(strings.ToLower(v.Text), "."))
				}
			default:
				f.Errorf(e.Line, "unknown key %q (providers take name, domain, mta)", e.Key)
			}
		}
		if p.id == otherProvider {
			f.Errorf(s.Line, `provider id "other" is reserved`)
		}
		if len(p.domains)+len(p.mtas) == 0 {
			f.Errorf(s.Line, "provider [%s] has no domain or mta", id)
		}
		if len(f.Errors) == nerr {
			out = append(out, p)
		}
	}
	*errs = append(*errs, f.Errors...)
	*notes = append(*notes, f.Notes...)
	return out
}

// addRegex compiles one regex line of a rule. The text is matched in lower case, so an
// expression that spells an upper-case letter could never match it: that is an error, unless
// the expression folds case itself with the i flag ((?i) at its start, or (?i:...)).
func addRegex(f *config.File, r *rule, v config.Value) {
	if c, ok := upperLetter(v.Text); ok && !foldsCase(v.Text) {
		f.Errorf(v.Line, "regex %q has the upper-case letter %q, but the text is matched in lower case: "+
			"write the regex in lower case, or begin it with (?i) to fold case", v.Text, c)
		return
	}
	// Parsed once, folding case as the literals are matched in lower case: the check of its
	// syntax and the source of its required literals.
	re, err := syntax.Parse(v.Text, syntax.Perl|syntax.FoldCase)
	if err != nil {
		f.Errorf(v.Line, "bad regex: %v", err)
		return
	}
	r.regexes = append(r.regexes, &lazyRegex{text: v.Text})
	r.regexLits = append(r.regexLits, literalSets(re))
}

// lazyRegex is a rule's regex, compiled the first time a text has its required literals
// (regexLits): most regexes never run in a scan, their literals being in other languages or
// wordings, and compiling them all was a third of loading the rules (BenchmarkLoad 22-24 ms
// with every regex compiled, docs/performance.md). Its syntax is checked when the rules load.
type lazyRegex struct {
	text string
	once sync.Once
	re   *regexp.Regexp
}

func (l *lazyRegex) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.text) }) // parsed when loaded: compiles
	return l.re
}

func (l *lazyRegex) Match(b []byte) bool  { return l.get().Match(b) }
func (l *lazyRegex) Find(b []byte) []byte { return l.get().Find(b) }
func (l *lazyRegex) String() string       { return l.text }

// upperLetter returns the first upper-case letter of a regular expression that it would have
// to match, skipping escapes (\S, \W, \pL, \p{Lu}, ...), flag groups ((?U)) and group names
// ((?P<Name>...)).
func upperLetter(expr string) (rune, bool) {
	for i := 0; i < len(expr); {
		switch {
		case expr[i] == '\\' && i+1 < len(expr):
			i += 2
			if c := expr[i-1]; (c == 'p' || c == 'P' || c == 'x') && i < len(expr) && expr[i] == '{' {
				i = skipTo(expr, i, '}')
			} else if c == 'p' || c == 'P' {
				i++ // \pL
			}
			continue
		case strings.HasPrefix(expr[i:], "(?P<") || strings.HasPrefix(expr[i:], "(?<"):
			i = skipTo(expr, i, '>')
			continue
		case strings.HasPrefix(expr[i:], "(?"):
			i = skipFlags(expr, i+2)
			continue
		}
		c, n := utf8.DecodeRuneInString(expr[i:])
		if unicode.IsUpper(c) {
			return c, true
		}
		i += n
	}
	return 0, false
}

// skipTo returns the index after the first c at or after i, or the end.
func skipTo(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j + 1
	}
	return len(s)
}

// skipFlags returns the index after the flags of a (?flags) or (?flags: group starting at i.
func skipFlags(s string, i int) int {
	for i < len(s) && s[i] != ')' && s[i] != ':' {
		i++
	}
	return i
}

// foldsCase reports whether the expression turns on case folding ((?i), (?i:...), (?si)...).
func foldsCase(expr string) bool {
	for i := 0; ; {
		j := strings.Index(expr[i:], "(?")
		if j < 0 {
			return false
		}
		i += j + 2
		if strings.HasPrefix(expr[i:], "P<") || strings.HasPrefix(expr[i:], "<") {
			continue
		}
		flags := expr[i:skipFlags(expr, i)]
		if on, _, _ := strings.Cut(flags, "-"); strings.Contains(on, "i") {
			return true
		}
	}
}

// regexLiterals returns sets of strings such that every match of the expression contains at
// least one string of each set, or nil when it finds none worth checking. The classifier runs
// the expression only when every set has a string in the text: one pass of the phrase
// automaton finds them, and the costly regex engine runs only on likely texts.
func regexLiterals(expr string) [][]string {
	re, err := syntax.Parse(expr, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil
	}
	return literalSets(re)
}

// literalSets is regexLiterals of an expression parsed with case folding.
func literalSets(re *syntax.Regexp) [][]string {
	var sets [][]string
	for _, lits := range requiredSets(re.Simplify()) {
		if minLen(lits) >= 3 {
			sets = append(sets, lits)
		}
	}
	// the most selective set first: it decides whether the rule is a candidate
	sort.SliceStable(sets, func(i, j int) bool { return minLen(sets[i]) > minLen(sets[j]) })
	return sets
}

// requiredSets returns the literal sets required by each part of a concatenation, or the
// single set of requiredLiterals.
func requiredSets(re *syntax.Regexp) [][]string {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpConcat {
		if lits := requiredLiterals(re); lits != nil {
			return [][]string{lits}
		}
		return nil
	}
	var sets [][]string
	for _, sub := range re.Sub {
		if lits := requiredLiterals(sub); lits != nil {
			sets = append(sets, lits)
		}
	}
	return sets
}

func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		// any piece of a required literal is required too; the text has its white space
		// normalised, so keep the literal whole only when it is in normal form
		s := strings.ToLower(string(re.Rune))
		if s == normalizeString(s) {
			return []string{s}
		}
		longest := ""
		for _, f := range strings.Fields(s) {
			if len(f) > len(longest) {
				longest = f
			}
		}
		if longest == "" {
			return nil
		}
		return []string{longest}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		bestLen := 0
		for _, sub := range re.Sub {
			lits := requiredLiterals(sub)
			if lits == nil {
				continue
			}
			if m := minLen(lits); m > bestLen {
				best, bestLen = lits, m
			}
		}
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits := requiredLiterals(sub)
			if lits == nil {
				return nil
			}
			all = append(all, lits...)
		}
		return all
	}
	return nil
}

func minLen(ss []string) int {
	m := -1
	for _, s := range ss {
		if m < 0 || len(s) < m {
			m = len(s)
		}
	}
	return m
}
