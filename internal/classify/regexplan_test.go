package classify

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"testing/fstest"
)

// planCheck compares, for every regex of every rule, what the classifier decides (literal
// sets, then the plan) with a plain run of the regex over the normalised text.
type planCheck struct {
	c       *Classifier
	sc      *scratch
	matches map[*regexPlan]int // texts each plan matched
	texts   int
}

func newPlanCheck(t testing.TB, c *Classifier) *planCheck {
	return &planCheck{c: c, sc: c.scratch.Get().(*scratch), matches: map[*regexPlan]int{}}
}

func (pc *planCheck) check(t testing.TB, diag string) {
	sc := pc.sc
	sc.reset()
	sc.text = normalize(sc.text, diag)
	sc.found, sc.occ = pc.c.phrases.scan(sc.text, sc.hits, sc.found, sc.occ)
	ascii := isASCIIBytes(sc.text)
	pc.texts++
	for _, r := range pc.c.rules {
		for k, re := range r.regexes {
			p := r.regexPlans[k]
			want := re.Match(sc.text)
			got := allSetsHit(r.regexIDs[k], sc.hits) && p.match(sc.text, sc.occ, ascii)
			if got != want {
				t.Errorf("[%s] regex %q on %q: prefiltered %v, plain %v", r.id, re, sc.text, got, want)
			}
			if want {
				pc.matches[p]++
			}
		}
	}
}

// contexts surround a text so that word boundaries, the ends of the text and non-ASCII bytes
// fall at every side of a match.
var contexts = [][2]string{{"", ""}, {"x", "x"}, {"x", ""}, {"", "x"}, {" ", " "}, {"é", "é"}, {"-", "."},
	{"550 5.1.1 ", " in virtual mailbox table"}, {"ü ", "_"}, {"a" + strings.Repeat("ß", 30) + " ", " " + strings.Repeat("z", 100)}}

// TestRegexPlansAgree makes sure that the prefilters never skip a regex that would have
// matched, nor let one match that would not: on the fixture and corpus diagnostics, and on
// strings generated from each expression, placed in several contexts.
func TestRegexPlansAgree(t *testing.T) {
	pc := newPlanCheck(t, defaultClassifier(t))
	for _, d := range planTexts(t) {
		pc.check(t, d)
	}
	fromFiles := pc.texts
	n := pc.checkGenerated(t)
	t.Logf("%d texts (%d from files), %d regexes", pc.texts, fromFiles, n)
}

// TestRegexPlanEdges runs the same check on user rules written to fall on the edges of the
// windows: an end of text at the longest match, assertions on both sides, prefixes that are
// prefixes of each other.
func TestRegexPlanEdges(t *testing.T) {
	exprs := []string{`\babc$`, `\babc\b`, `abc\B`, `\Babc`, `abc.{0,3}$`, `abc(d|$)`, `\b(mail|mail from|mailbox)\b.{0,5}\bx`,
		`zzz\b.{0,2}\by`, `(^|\b)abc.{0,2}x`, `(\b|$)abc`, `(^|-)abc`, `xyz.{0,3}é\b`, `(abc|abd)+\b`, `(^|x)abc`, `é.{0,3}\bxyz`, `q{3}\b`, `^q?$`, `^(ab|c)`}
	plain := 4 // the last ones: é is not ASCII, q is too short, ^ anchors (and \B makes an expression case-insensitive)
	var rules strings.Builder
	for i, e := range exprs {
		fmt.Fprintf(&rules, "[edge%d]\nregex = %s\nreason = filtered\n", i, e)
	}
	c, err := Load(fstest.MapFS{"edge.rules": {Data: []byte(rules.String())}})
	if err != nil {
		t.Fatal(err)
	}
	pc := newPlanCheck(t, c)
	for _, r := range c.rules {
		if r.stage != stageUser {
			continue
		}
		e, p := r.regexes[0].String(), r.regexPlans[0]
		if want := !strings.Contains(e, `\B`) && !oneOf(e, exprs[len(exprs)-plain:]); want != (p.prefixes != nil) {
			t.Errorf("%q: prefixes %q", e, p.prefixes)
		}
	}
	pc.checkGenerated(t)
	for _, s := range []string{"", "q", ".abc", "-abc", "x.abc", "abc x", "abcx", "xabcx", "x abcx", "ab", "ab c", "c", "cab", "x ab", "xab", "abc", "abc x", "x abc", "xabc x", "abcd", "abcde", "abc d", "abc de", "abcdef", "zzz y", "zzz  y", "zzz-xy",
		"é xyz", "éxyz", "xyz é", "xyz éa", "mail from x", "mailbox x", "mail fromx", "qqq", "qqqq", "xabc", "aabc"} {
		pc.check(t, s)
		pc.check(t, s+" "+s)
	}
}

// checkGenerated checks strings generated from every regex of the classifier, in several
// contexts, and returns the number of regexes.
func (pc *planCheck) checkGenerated(t *testing.T) int {
	rng := rand.New(rand.NewSource(1))
	seen := map[*regexPlan]bool{}
	generated := map[*regexPlan]int{}
	for _, r := range pc.c.rules {
		for _, p := range r.regexPlans {
			if seen[p] {
				continue
			}
			seen[p] = true
			tree, err := syntax.Parse(p.re.String(), syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 15; i++ {
				s := generate(rng, tree)
				for _, cx := range contexts {
					if p.re.MatchString(normalizeString(cx[0] + s + cx[1])) {
						generated[p]++
					}
					pc.check(t, cx[0]+s+cx[1])
				}
				// a match cut short, and one found after another place of a prefix
				pc.check(t, s[:len(s)/2])
				pc.check(t, s+" "+s[:len(s)/2]+" "+s)
			}
		}
	}
	for p := range seen {
		if generated[p] == 0 {
			t.Errorf("no generated string matches %q: the check says nothing about it", p.re)
		}
	}
	return len(seen)
}

// planTexts returns the diagnostics of testdata/diagnostics.txt, and the Diagnostic-Code
// fields and bounce texts of the fixtures, the demo maildir and the corpus when present.
func planTexts(t testing.TB) []string {
	var out []string
	data, err := os.ReadFile("testdata/diagnostics.txt")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, strings.Split(string(data), "\n")...)
	var files []string
	for _, pat := range []string{"../../testdata/fixtures/*.eml", "../../testdata/demo/maildir/*/*", corpusDir + "/maildir/*/*.eml"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no fixture messages found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recips, _, body := crudeExtract(string(data))
		for _, in := range recips {
			out = append(out, in.Diagnostic)
		}
		out = append(out, body)
	}
	return out
}

// generate returns a random string that the expression is likely to match (assertions are
// ignored, so not always).
func generate(rng *rand.Rand, re *syntax.Regexp) string {
	var b strings.Builder
	var gen func(re *syntax.Regexp)
	gen = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpLiteral:
			b.WriteString(string(re.Rune))
		case syntax.OpCharClass:
			n := 0
			for i := 0; i+1 < len(re.Rune); i += 2 {
				n += int(min(re.Rune[i+1], 0x7f) - re.Rune[i] + 1)
			}
			if n <= 0 {
				b.WriteRune(re.Rune[0])
				return
			}
			k := rng.Intn(n)
			for i := 0; i+1 < len(re.Rune); i += 2 {
				w := int(min(re.Rune[i+1], 0x7f) - re.Rune[i] + 1)
				if w > 0 && k < w {
					c := re.Rune[i] + rune(k)
					if c < ' ' { // no control characters: the text is normalised
						c = 'q'
					}
					b.WriteRune(c)
					return
				}
				k -= max(w, 0)
			}
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte("ab é-.:x1"[rng.Intn(9)])
		case syntax.OpCapture:
			gen(re.Sub[0])
		case syntax.OpConcat:
			for _, s := range re.Sub {
				gen(s)
			}
		case syntax.OpAlternate:
			gen(re.Sub[rng.Intn(len(re.Sub))])
		case syntax.OpQuest, syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
			lo, hi := re.Min, re.Max
			switch re.Op {
			case syntax.OpQuest:
				lo, hi = 0, 1
			case syntax.OpStar:
				lo, hi = 0, 3
			case syntax.OpPlus:
				lo, hi = 1, 3
			}
			if hi < 0 {
				hi = lo + 3
			}
			n := lo
			if hi > lo {
				n += rng.Intn(hi - lo + 1)
				if rng.Intn(3) == 0 {
					n = hi // the longest: windows must reach it
				}
			}
			for i := 0; i < n; i++ {
				gen(re.Sub[0])
			}
		}
	}
	gen(re)
	return strings.ToLower(b.String())
}

// FuzzRegexPlans checks the prefilters against plain regex runs on any text.
func FuzzRegexPlans(f *testing.F) {
	for _, d := range seedDiagnostics(f) {
		f.Add(d)
	}
	c, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	pc := newPlanCheck(f, c)
	f.Fuzz(func(t *testing.T, d string) {
		pc.check(t, d)
	})
}

func TestPrefixAnalysis(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string // nil: no prefixes
	}{
		{`\b(user|recipient|e-?mail|addressee|address)\b.{0,40}\bunknown`, []string{"address", "e-mail", "email", "recipient", "user"}},
		{`\bmail(box)? full`, []string{"mail full", "mailbox full"}},
		{`\b5[0-9a-z] user`, nil},          // a class too wide to spell out, after a prefix too short
		{`(^|[^a-z])domain does not`, nil}, // may begin with any byte
		{`x*abc`, nil},                     // may begin with abc or with x
		{`(?i)Unknown user`, nil},          // case folding: ſ matches s
		{`[a-z]+ does not exist`, nil},     // a wide class
		{`\b(rejected|refused)\b.{0,20}\bsender\b`, []string{"refused", "rejected"}},
		{`relay(ing)? denied`, []string{"relay denied", "relaying denied"}},
	} {
		p := newRegexPlan(regexp.MustCompile(tc.expr))
		if strings.Join(p.prefixes, "|") != strings.Join(tc.want, "|") || (p.prefixes == nil) != (tc.want == nil) {
			t.Errorf("%q: prefixes %q, want %q", tc.expr, p.prefixes, tc.want)
		}
	}
	if p := newRegexPlan(regexp.MustCompile(`\b55\d:? : user`)); len(p.prefixes) != 20 || p.prefixes[0] != "550 : user" || p.prefixes[1] != "550: : user" {
		t.Errorf(`\b55\d:? : user: prefixes %q`, p.prefixes)
	}
	for _, tc := range []struct {
		expr  string
		runes int
	}{
		{`\bspf\b.{0,40}\b(fail|softfail)`, 51}, {`a+`, -1}, {`(ab|c){2,3}`, 6}, {`x(\b|$)`, 1}, {`.*`, -1},
	} {
		re, err := syntax.Parse(tc.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := maxRunes(re); got != tc.runes {
			t.Errorf("%q: longest match %d runes, want %d", tc.expr, got, tc.runes)
		}
	}
	p := newRegexPlan(regexp.MustCompile(`^[0-9]{1,3}$`))
	if !p.anchored || !p.whole || p.firstAny || p.maxRunes != 3 {
		t.Errorf("^[0-9]{1,3}$: %+v", p)
	}
	for _, s := range []string{"", "5", "550", "5500", "x", "55x", "é"} {
		if got, want := p.match([]byte(s), nil, isASCIIBytes([]byte(s))), p.re.MatchString(s); got != want {
			t.Errorf("^[0-9]{1,3}$ on %q: %v, want %v", s, got, want)
		}
	}
}
