package classify

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/bounce"
)

// stage is a step of the order of decision (docs/rules.md); earlier stages win.
type stage int

// Stages, in order. The kind step (feedback, auto-reply, delivered) comes before all of them
// and is not driven by rules.
const (
	stageUser     stage = iota + 1 // rules from --rules DIR
	stageProvider                  // rules with a provider or mta condition
	stagePhrase                    // rules with a phrase or regex condition
	stageHint                      // rules with a hint condition
	stageStatus                    // rules with a status condition only: the status table
	stageReply                     // anything else: reply code and other fallbacks
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

// rule is one [id] block of a rules file.
type rule struct {
	id    string
	file  string
	line  int
	stage stage

	// conditions: values of one key are OR-ed, keys are AND-ed
	statuses   []statusPattern
	replies    []replyPattern
	phrases    []string // normalised (see normalize)
	notPhrases []string
	regexes    []*regexp.Regexp
	regexLits  [][][]string // per regex: sets of literals; a match contains one of each set
	regexPlans []*regexPlan // per regex: where and how far to run it
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

// provider is one [id] block of a providers file.
type provider struct {
	id      string
	name    string
	file    string
	line    int
	domains []string // exact names or globs ("hotmail.*")
	mtas    []string // host globs ("*.protection.outlook.com")
}

// posError is an error at a line of a rules or providers file.
type posError struct {
	File string
	Line int
	Msg  string
}

func (e *posError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// block is a parsed [id] section before interpretation.
type block struct {
	id   string
	line int
	keys []keyValue
}

type keyValue struct {
	key, value string
	line       int
}

// parseBlocks reads the INI-like layout shared by rules and providers files:
// "# comment", "[id]", "key = value | value". Lines before the first [id] must be blank or
// comments. A key may repeat: its values add to the alternatives.
func parseBlocks(file string, data []byte, errs *[]error) []block {
	var blocks []block
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				*errs = append(*errs, &posError{file, n, "unterminated [id]"})
				continue
			}
			id := strings.TrimSpace(line[1 : len(line)-1])
			if !validID(id) {
				*errs = append(*errs, &posError{file, n, fmt.Sprintf("bad id %q: use letters, digits, '.', '_' and '-'", id)})
			}
			blocks = append(blocks, block{id: id, line: n})
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			*errs = append(*errs, &posError{file, n, fmt.Sprintf("expected [id] or key = value, got %q", clip(line))})
			continue
		}
		if len(blocks) == 0 {
			*errs = append(*errs, &posError{file, n, "key = value before the first [id]"})
			continue
		}
		b := &blocks[len(blocks)-1]
		b.keys = append(b.keys, keyValue{strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value), n})
	}
	if err := sc.Err(); err != nil {
		*errs = append(*errs, &posError{file, n + 1, "read: " + err.Error()})
	}
	return blocks
}

func validID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// splitValues splits "a | b | c" into trimmed non-empty values.
func splitValues(v string) []string {
	var out []string
	for _, s := range strings.Split(v, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// DSN Action values (RFC 3464 section 2.3.3), kinds and SMTP commands accepted in conditions.
var (
	dsnActionValues = []string{"failed", "delayed", "delivered", "relayed", "expanded"}
	kindValues      = []string{"bounce", "feedback", "autoreply"}
)

// parseRules reads a rules file. user marks rules from --rules DIR, which all belong to the
// user stage. Errors are appended to errs as file:line messages.
func parseRules(file string, data []byte, user bool, errs *[]error) []*rule {
	var rules []*rule
	for _, b := range parseBlocks(file, data, errs) {
		if r := parseRule(file, b, user, errs); r != nil {
			rules = append(rules, r)
		}
	}
	return rules
}

func parseRule(file string, b block, user bool, errs *[]error) *rule {
	r := &rule{id: b.id, file: file, line: b.line}
	nerr := len(*errs)
	fail := func(line int, format string, args ...any) {
		*errs = append(*errs, &posError{file, line, fmt.Sprintf(format, args...)})
	}
	seen := map[string]int{}
	for _, kv := range b.keys {
		if kv.value == "" {
			fail(kv.line, "%s: empty value", kv.key)
			continue
		}
		seen[kv.key]++
		if _, ok := resultKeys[kv.key]; ok && seen[kv.key] > 1 {
			fail(kv.line, "%s given twice in [%s]", kv.key, b.id)
			continue
		}
		var problems []string
		if set, ok := resultKeys[kv.key]; ok {
			problems = set(r, kv.value)
		} else if set, ok := conditionKeys[kv.key]; ok {
			problems = set(r, kv.value)
		} else {
			problems = []string{fmt.Sprintf("unknown key %q", kv.key)}
		}
		if kv.key == "like" {
			r.likeLine = kv.line
		}
		for _, p := range problems {
			fail(kv.line, "%s", p)
		}
	}
	if seen["reason"] == 0 {
		fail(b.line, "[%s] has no result: add reason = NAME", b.id)
	}
	if len(b.keys) > 0 && !r.hasCondition() && seen["reason"] > 0 && len(*errs) == nerr {
		fail(b.line, "[%s] has no condition: it would match everything", b.id)
	}
	r.stage = inferStage(r, user)
	if r.strong && r.stage != stagePhrase && r.stage != stageUser {
		fail(b.line, "[%s]: strong applies to phrase rules only", b.id)
	}
	if r.generic && r.stage != stageStatus {
		fail(b.line, "[%s]: generic applies to status-table rules only (a status condition and nothing else)", b.id)
	}
	if len(*errs) > nerr {
		return nil
	}
	return r
}

// A key setter reads one value into a rule and returns what is wrong with it, if anything.
type keySetter func(r *rule, value string) []string

// conditionKeys are the keys that say when a rule applies; several values are alternatives.
var conditionKeys = map[string]keySetter{
	"status": func(r *rule, v string) (bad []string) {
		for _, s := range splitValues(v) {
			p, err := parseStatusPattern(s)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			r.statuses = append(r.statuses, p)
		}
		return bad
	},
	"reply": func(r *rule, v string) (bad []string) {
		for _, s := range splitValues(v) {
			p, err := parseReplyPattern(s)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			r.replies = append(r.replies, p)
		}
		return bad
	},
	"phrase":     func(r *rule, v string) []string { return addPhrases(&r.phrases, "phrase", v) },
	"not-phrase": func(r *rule, v string) []string { return addPhrases(&r.notPhrases, "not-phrase", v) },
	"regex": func(r *rule, v string) []string {
		// the whole value is one expression: | is alternation inside it
		re, err := compileRegex(v)
		if err != nil {
			return []string{"bad regex: " + err.Error()}
		}
		r.regexes = append(r.regexes, re)
		r.regexLits = append(r.regexLits, regexLiterals(v))
		r.regexPlans = append(r.regexPlans, newRegexPlan(re))
		return nil
	},
	"like":     func(r *rule, v string) []string { r.like = append(r.like, splitValues(v)...); return nil },
	"provider": func(r *rule, v string) []string { return addLower(&r.providers, v) },
	"mta":      func(r *rule, v string) []string { return addLower(&r.mtas, v) },
	"format":   func(r *rule, v string) []string { return addLower(&r.formats, v) },
	"hint":     func(r *rule, v string) []string { return addLower(&r.hints, v) },
	"dsn-action": func(r *rule, v string) []string {
		return addOneOf(&r.dsnActions, "dsn-action", v, dsnActionValues)
	},
	"kind":            func(r *rule, v string) []string { return addOneOf(&r.kinds, "kind", v, kindValues) },
	"diagnostic-type": func(r *rule, v string) []string { return addLower(&r.diagTypes, v) },
	"command": func(r *rule, v string) []string {
		for _, s := range splitValues(v) {
			s = strings.ToUpper(s)
			if s == "NONE" {
				s = "" // the decoder did not tell which command the error answered
			}
			r.commands = append(r.commands, s)
		}
		return nil
	},
}

// resultKeys are the keys that say what a rule decides, and its flags; each may be given once.
var resultKeys = map[string]keySetter{
	"reason": func(r *rule, v string) []string {
		reason, ok := bounce.ParseReason(v)
		if !ok {
			return []string{fmt.Sprintf("unknown reason %q (see docs/reasons.md)", v)}
		}
		r.reason = reason
		return nil
	},
	"type": func(r *rule, v string) []string {
		t := bounce.Type(strings.ToLower(v))
		if !t.Valid() {
			return []string{fmt.Sprintf("unknown type %q", v)}
		}
		r.typ = t
		return nil
	},
	"action": func(r *rule, v string) []string {
		a := bounce.Action(strings.ToLower(v))
		if !a.Valid() {
			return []string{fmt.Sprintf("unknown action %q (for the DSN Action field use dsn-action)", v)}
		}
		r.action = a
		return nil
	},
	"confidence": func(r *rule, v string) []string {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 1) {
			return []string{fmt.Sprintf("confidence must be a number in (0, 1], got %q", v)}
		}
		r.confidence = f
		return nil
	},
	"generic": func(r *rule, v string) []string { return setFlag(&r.generic, "generic", v) },
	"strong":  func(r *rule, v string) []string { return setFlag(&r.strong, "strong", v) },
}

// addPhrases normalises phrases as the text will be (see normalize) and appends them.
func addPhrases(dst *[]string, key, v string) (bad []string) {
	for _, s := range splitValues(v) {
		p := normalizeString(s)
		if len(p) < 2 {
			bad = append(bad, fmt.Sprintf("%s %q is too short", key, s))
			continue
		}
		*dst = append(*dst, p)
	}
	return bad
}

func addLower(dst *[]string, v string) []string {
	for _, s := range splitValues(v) {
		*dst = append(*dst, strings.ToLower(s))
	}
	return nil
}

func addOneOf(dst *[]string, key, v string, allowed []string) (bad []string) {
	for _, s := range splitValues(v) {
		s = strings.ToLower(s)
		if !oneOf(s, allowed) {
			bad = append(bad, fmt.Sprintf("unknown %s %q: want one of %s", key, s, strings.Join(allowed, ", ")))
			continue
		}
		*dst = append(*dst, s)
	}
	return bad
}

func setFlag(dst *bool, key, v string) []string {
	on, ok := parseBool(v)
	if !ok {
		return []string{fmt.Sprintf("%s: want yes or no, got %q", key, v)}
	}
	*dst = on
	return nil
}
func (r *rule) hasCondition() bool {
	return len(r.statuses)+len(r.replies)+len(r.phrases)+len(r.regexes)+len(r.providers)+
		len(r.dsnActions)+len(r.mtas)+len(r.formats)+len(r.kinds)+len(r.hints)+len(r.commands)+len(r.diagTypes)+len(r.like) > 0
}

// inferStage places a rule in the order of decision from its conditions (docs/rules.md).
func inferStage(r *rule, user bool) stage {
	switch {
	case user:
		return stageUser
	case len(r.providers) > 0 || len(r.mtas) > 0:
		return stageProvider
	case r.hasText():
		return stagePhrase
	case len(r.hints) > 0 || len(r.diagTypes) > 0:
		// the Diagnostic-Code type, like a hint, tells what answered from the structure
		return stageHint
	case len(r.statuses) > 0:
		return stageStatus
	}
	return stageReply
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

// parseProviders reads a providers file.
func parseProviders(file string, data []byte, errs *[]error) []*provider {
	var out []*provider
	for _, b := range parseBlocks(file, data, errs) {
		p := &provider{id: strings.ToLower(b.id), file: file, line: b.line}
		nerr := len(*errs)
		for _, kv := range b.keys {
			switch kv.key {
			case "name":
				p.name = kv.value
			case "domain":
				for _, v := range splitValues(kv.value) {
					p.domains = append(p.domains, strings.TrimSuffix(strings.ToLower(v), "."))
				}
			case "mta":
				for _, v := range splitValues(kv.value) {
					p.mtas = append(p.mtas, strings.TrimSuffix(strings.ToLower(v), "."))
				}
			default:
				*errs = append(*errs, &posError{file, kv.line, fmt.Sprintf("unknown key %q (providers take name, domain, mta)", kv.key)})
			}
		}
		if p.id == otherProvider {
			*errs = append(*errs, &posError{file, b.line, `provider id "other" is reserved`})
		}
		if len(p.domains)+len(p.mtas) == 0 {
			*errs = append(*errs, &posError{file, b.line, fmt.Sprintf("provider [%s] has no domain or mta", b.id)})
		}
		if len(*errs) == nerr {
			out = append(out, p)
		}
	}
	return out
}

// compileRegex compiles a rule's regex for matching against normalised (lower-case) text.
// A pattern without upper-case letters needs no case folding, which is much faster; one with
// them is compiled case-insensitive.
func compileRegex(expr string) (*regexp.Regexp, error) {
	if strings.ToLower(expr) == expr {
		return regexp.Compile(expr)
	}
	return regexp.Compile("(?i)" + expr)
}

// regexLiterals returns sets of strings such that every match of the expression contains at
// least one string of each set, or nil when it finds none worth checking. The classifier runs
// the expression only when every set has a string in the text: one pass of the phrase
// automaton finds them, and the costly regex engine runs only on likely texts.
func regexLiterals(expr string) [][]string {
	re, err := syntax.Parse("(?i)"+expr, syntax.Perl)
	if err != nil {
		return nil
	}
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
