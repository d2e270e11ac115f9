package classify

import (
	"bufio"
	"math/rand"
	"os"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/config"
)

func TestMatcherAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := "abc d-"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	for round := 0; round < 200; round++ {
		var phrases []string
		for i := 0; i < 1+rng.Intn(40); i++ {
			phrases = append(phrases, word(1+rng.Intn(6)))
		}
		m := newMatcher(phrases)
		hits := make([]uint64, (len(phrases)+63)/64)
		text := word(rng.Intn(200))
		found := m.scan([]byte(text), hits, nil)
		for id, p := range phrases {
			if strings.Contains(text, p) != hasBit(hits, int32(id)) {
				t.Fatalf("phrase %q in %q: naive %v, matcher %v", p, text, strings.Contains(text, p), hasBit(hits, int32(id)))
			}
		}
		seen := map[int32]bool{}
		for _, id := range found {
			if seen[id] {
				t.Fatalf("phrase %d reported twice", id)
			}
			seen[id] = true
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"  550  5.1.1\r\n\t User   UNKNOWN ":                                  "550 5.1.1 user unknown",
		"550-5.7.1 this message is 550-5.7.1 likely unsolicited 550 5.7.1 ok": "550-5.7.1 this message is likely unsolicited ok",
		"550 5.7.1 first line only 550 5.7.1 stays":                           "550 5.7.1 first line only 550 5.7.1 stays",
		"452-4.2.2 a 452-b 452 4.2.2 c":                                       "452-4.2.2 a b c",
		"ПОЛЬЗОВАТЕЛЬ НЕ НАЙДЕН":                                              "пользователь не найден",
		"connect to 192.0.2.1 port 25":                                        "connect to 192.0.2.1 port 25",
		"":                                                                    "",
	} {
		if got := normalizeString(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFindCodes(t *testing.T) {
	for text, want := range map[string]string{
		"550 5.1.1 user unknown":         "5.1.1",
		"host 192.0.2.1 said 4.7.1 nope": "4.7.1",
		"from 10.5.1.1 only":             "",
		"version 5.1.12.4":               "",
		"(#5.4.4)":                       "5.4.4",
		"5.1.1":                          "5.1.1",
		"1.2.3":                          "",
	} {
		st, ok := findStatus([]byte(text))
		got := ""
		if ok {
			got = st.String()
		}
		if got != want {
			t.Errorf("findStatus(%q) = %q, want %q", text, got, want)
		}
	}
	for text, want := range map[string]string{"550 x": "550", "550-x": "550", "smtp; 421 y": "421", "5500 x": "", "hello 550": "", "255": "255", "600 x": ""} {
		if got := findReply([]byte(text)); got != want {
			t.Errorf("findReply(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestPatterns(t *testing.T) {
	st := func(s string) status {
		v, ok := parseStatus(s)
		if !ok {
			t.Fatalf("parseStatus(%q) failed", s)
		}
		return v
	}
	for _, tc := range []struct {
		pat, status string
		want        bool
	}{
		{"5.1.1", "5.1.1", true}, {"5.1.1", "5.1.10", false}, {"5.1.*", "5.1.10", true},
		{"4.*.*", "4.7.650", true}, {"4.*.*", "5.7.650", false}, {"5.7.606-608", "5.7.607", true},
		{"5.7.606-608", "5.7.609", false}, {"*.1.1", "4.1.1", true},
	} {
		p, err := parseStatusPattern(tc.pat)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.match(st(tc.status)); got != tc.want {
			t.Errorf("%s ~ %s = %v", tc.pat, tc.status, got)
		}
	}
	for _, bad := range []string{"5.1", "6.1.1", "5.a.1", "5.1.1.1", "5.9-7.1", "5.1.1000", ""} {
		if _, err := parseStatusPattern(bad); err == nil {
			t.Errorf("status pattern %q accepted", bad)
		}
	}
	for _, bad := range []string{"5.1", "1.1.1", "x.1.1", "5.1.1a", "5..1"} {
		if _, ok := parseStatus(bad); ok {
			t.Errorf("status %q accepted", bad)
		}
	}
	for _, tc := range []struct {
		pat, code string
		want      bool
	}{{"550", "550", true}, {"5xx", "554", true}, {"55x", "545", false}, {"5xx", "", false}, {"xxx", "421", true}} {
		p, err := parseReplyPattern(tc.pat)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.match(tc.code); got != tc.want {
			t.Errorf("%s ~ %s = %v", tc.pat, tc.code, got)
		}
	}
	for _, bad := range []string{"55", "5555", "6xx", "1xx", "5y0"} {
		if _, err := parseReplyPattern(bad); err == nil {
			t.Errorf("reply pattern %q accepted", bad)
		}
	}
	for _, tc := range []struct {
		pat, name string
		want      bool
	}{
		{"*.google.com", "aspmx.l.google.com", true}, {"*.google.com", "google.com", false},
		{"*.google.com", "evilgoogle.com", false}, {"mx*.example.net", "mx12.example.net", true},
		{"*", "", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"exact", "exact", true},
	} {
		if got := globMatch(tc.pat, tc.name); got != tc.want {
			t.Errorf("glob %q ~ %q = %v", tc.pat, tc.name, got)
		}
	}
}

// TestRegexesCompile compiles every embedded regex: they are compiled when a text first has
// their literals (lazyRegex), and one that parsed at load but did not compile would stop a scan.
func TestRegexesCompile(t *testing.T) {
	c := defaultClassifier(t)
	n := 0
	for _, r := range c.rules {
		for _, re := range r.regexes {
			if _, err := regexp.Compile(re.text); err != nil {
				t.Errorf("%s: [%s] regex %q: %v", r.pos(), r.id, re.text, err)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("%d regexes in the embedded rules: the test reads none of them?", n)
	}
}

// TestRegexPrefilters makes sure every embedded regex can be skipped cheaply: it has
// required literals, or it is anchored at the start of the text.
func TestRegexPrefilters(t *testing.T) {
	c := defaultClassifier(t)
	for _, r := range c.rules {
		for k, re := range r.regexes {
			if len(r.regexLits[k]) > 0 {
				continue
			}
			prog, err := syntax.Parse(re.String(), syntax.Perl)
			if err == nil && prog.Op == syntax.OpConcat && prog.Sub[0].Op == syntax.OpBeginText {
				continue
			}
			t.Errorf("%s: [%s] regex %q has no required literal of 3+ bytes: it would run on every text", r.pos(), r.id, re)
		}
	}
	sets := regexLiterals(`\b(user|recipient) .{0,20}(unknown|not found)\b`)
	if len(sets) != 2 || !oneOf("unknown", sets[0]) || !oneOf("recipient", sets[1]) {
		t.Errorf("literal sets: %q", sets)
	}
	if sets := regexLiterals(`a|bb`); sets != nil {
		t.Errorf("short literals kept: %q", sets)
	}
}

func TestLikeErrors(t *testing.T) {
	c, err := Load(fstest.MapFS{"a.rules": {Data: []byte("[mine]\nlike = userunknown\ncommand = DATA\nreason = filtered\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(Input{Command: "DATA", Diagnostic: "550 no such user"}); got.Rule != "mine" {
		t.Errorf("like rule: %s", got.Rule)
	}
	_, err = Load(fstest.MapFS{"a.rules": {Data: []byte("[mine]\nlike = nosuchrule\nreason = filtered\n[x]\nlike = mine\nreason = filtered\n[y]\nlike = status-x.1.1\nreason = filtered\n")}})
	if err == nil {
		t.Fatal("bad like accepted")
	}
	for _, want := range []string{"a.rules:2: [mine]: like names unknown rule [nosuchrule]", "a.rules:5: [x]: like names [mine], which itself uses like", "a.rules:8: [y]: like names [status-x.1.1], which has no phrase or regex"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

// TestStages checks that a built-in rule states its stage and that the stage fits its
// conditions; a user rule without a stage is a user rule.
func TestStages(t *testing.T) {
	var errs []error
	var notes []*config.Error
	rules := parseRules("t.rules", []byte(`[rule p]
stage = provider
provider = gmail
reason = blocked
[rule t]
stage = phrase
phrase = x-phrase
status = 5.1.1
reason = blocked
[rule h]
stage = hint
hint = expired
status = 4.4.7
reason = expired
[rule s]
stage = status
status = 5.1.1
reason = userunknown
[rule r]
stage = reply
reply = 550
reason = onhold
[rule no-stage]
status = 5.1.1
reason = userunknown
[rule wrong-stage]
stage = status
phrase = x-phrase
reason = blocked
[rule bad-strong]
stage = status
status = 5.1.1
strong = yes
reason = blocked
[rule bad-generic]
stage = phrase
phrase = x-phrase
generic = yes
reason = blocked
[rule bad-user]
stage = user
phrase = x-phrase
reason = blocked
[rule bad-name]
stage = later
phrase = x-phrase
reason = blocked
`), false, &errs, &notes)
	want := []stage{stageProvider, stagePhrase, stageHint, stageStatus, stageReply}
	if len(rules) != len(want) {
		t.Fatalf("%d rules loaded, want %d", len(rules), len(want))
	}
	for i, r := range rules {
		if r.stage != want[i] {
			t.Errorf("[%s] stage %s, want %s", r.id, r.stage, want[i])
		}
	}
	wantErrs := []string{
		"t.rules:23: [no-stage] has no stage: add stage = provider, phrase, hint, status or reply",
		"t.rules:26: [wrong-stage]: a rule of the status stage needs a status condition",
		"t.rules:30: [bad-strong]: strong applies to phrase rules only",
		"t.rules:35: [bad-generic]: generic applies to status-table rules only",
		"t.rules:40: [bad-user]: stage user is for rules of --rules DIR",
		`t.rules:45: unknown stage "later"`,
	}
	checkErrors(t, errs, wantErrs)

	// in --rules DIR, a rule without a stage is a user rule; one with a stage keeps it
	errs = nil
	rules = parseRules("u.rules", []byte("[rule a]\nphrase = x-phrase\nreason = blocked\n[rule b]\nstage = status\nstatus = 5.1.1\nreason = filtered\n"), true, &errs, &notes)
	if len(errs) != 0 || len(rules) != 2 || rules[0].stage != stageUser || rules[1].stage != stageStatus {
		t.Errorf("user rules: %v %v", rules, errs)
	}
}

// checkErrors checks that errs are exactly the problems want (each a prefix of one).
func checkErrors(t *testing.T, errs []error, want []string) {
	t.Helper()
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("missing error %q", w)
		}
	}
	if len(got) != len(want) || t.Failed() {
		t.Errorf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

// TestRegexCase checks that case folding is explicit: the text is matched in lower case, so
// a regex that spells an upper-case letter is refused unless it folds case itself.
func TestRegexCase(t *testing.T) {
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{`\bquota\b`, true},
		{`\b542 \S+@\S+ rejected\b`, true}, // escapes are not letters to match
		{`\pL+ \p{Lu} \PL \x{41} \W\D\B`, true},
		{`(?P<Name>x) (?U)a+`, true},
		{`Quota exceeded`, false},
		{`[A-Z]{2}`, false},
		{`(?i)Quota exceeded`, true},
		{`(?si)Quota`, true},
		{`(?s-i)Quota`, false},
		{`a(?i:Quota)`, true},
		{`\bÜberschritten`, false},
	} {
		var errs []error
		var notes []*config.Error
		parseRules("c.rules", []byte("[rule x]\nregex = "+tc.expr+"\nreason = blocked\n"), true, &errs, &notes)
		if ok := len(errs) == 0; ok != tc.ok {
			t.Errorf("regex %q: accepted %v, want %v (%v)", tc.expr, ok, tc.ok, errs)
		}
		if !tc.ok && len(errs) == 1 && !strings.Contains(errs[0].Error(), "begin it with (?i) to fold case") {
			t.Errorf("regex %q: %v", tc.expr, errs[0])
		}
	}
	c, err := Load(fstest.MapFS{"a.rules": {Data: []byte("[rule q]\nregex = (?i)QUOTA exceeded\nreason = mailboxfull\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(Input{Diagnostic: "Your quota EXCEEDED"}); got.Rule != "q" {
		t.Errorf("(?i) regex: rule %s", got.Rule)
	}
}

func seedDiagnostics(f *testing.F) []string { return readDiagnostics(f) }

// readDiagnostics returns the diagnostics of testdata/diagnostics.txt, one per line.
func readDiagnostics(t testing.TB) []string {
	file, err := os.Open("testdata/diagnostics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var out []string
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func FuzzClassify(f *testing.F) {
	for _, d := range seedDiagnostics(f) {
		f.Add(d, "5.1.1", "550", "RCPT", "a@gmail.com", "", "")
		f.Add(d, "", "", "", "", "mx.example.org", "x-unix")
	}
	f.Add("", "4.*.*", "5xx", "DATA", "@", "[", "smtp")
	c, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, d, st, reply, cmd, rcpt, mta, dtype string) {
		got := c.Classify(Input{Diagnostic: d, Status: st, ReplyCode: reply, Command: cmd, Recipient: rcpt,
			RemoteMTA: mta, ReportingMTA: mta, DiagnosticType: dtype, Hint: d, Action: st})
		info, ok := got.Reason.Info()
		if !ok || !got.Type.Valid() || !got.Action.Valid() || got.Rule == "" {
			t.Fatalf("bad result %+v", got)
		}
		if got.Type != info.Type && got.Reason != bounce.ReasonNotAccept {
			t.Fatalf("type %s for %s", got.Type, got.Reason)
		}
		if got.Confidence <= 0 || got.Confidence > 1 || len(got.Evidence) == 0 {
			t.Fatalf("confidence %v evidence %v", got.Confidence, got.Evidence)
		}
		checkNoEvidence(t, c, Input{Diagnostic: d, Status: st, ReplyCode: reply, Command: cmd, Recipient: rcpt,
			RemoteMTA: mta, ReportingMTA: mta, DiagnosticType: dtype, Hint: d, Action: st}, got)
		// classification does not depend on case or on how white space is laid out
		again := c.Classify(Input{Diagnostic: strings.ToUpper(strings.Join(strings.Fields(d), "  ")), Status: st, ReplyCode: reply,
			Command: cmd, Recipient: rcpt, RemoteMTA: mta, ReportingMTA: mta, DiagnosticType: dtype, Hint: d, Action: st})
		if isASCII(d) && again.Reason != got.Reason {
			t.Fatalf("%q: %s, upper-cased: %s", d, got.Reason, again.Reason)
		}
	})
}

// TestNoEvidence checks that Input.NoEvidence, which scan and parse set, changes nothing but
// the evidence, on every seed diagnostic with and without codes, and on complaints and
// auto-replies.
func TestNoEvidence(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var ins []Input
	for _, d := range readDiagnostics(t) {
		ins = append(ins,
			Input{Diagnostic: d, Status: "5.1.1", ReplyCode: "550", Command: "RCPT", Recipient: "a@gmail.com"},
			Input{Diagnostic: d, RemoteMTA: "mx.example.org", DiagnosticType: "x-unix", Format: "structural"},
			Input{Diagnostic: d, Status: "4.0.0", Action: "delayed", Recipient: "b@yahoo.co.jp"})
	}
	ins = append(ins, Input{Kind: "feedback", FeedbackType: "abuse"}, Input{Kind: "autoreply"},
		Input{Action: "delivered"}, Input{Status: "5.9.9.9"}, Input{})
	for _, in := range ins {
		checkNoEvidence(t, c, in, c.Classify(in))
	}
}

// checkNoEvidence fails when in, with NoEvidence, gives other than want without its evidence.
func checkNoEvidence(t *testing.T, c *Classifier, in Input, want Result) {
	t.Helper()
	in.NoEvidence = true
	got := c.Classify(in)
	want.Evidence = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v\nwith NoEvidence: %+v\nwithout:          %+v", in, got, want)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func FuzzParseRules(f *testing.F) {
	seed, err := os.ReadFile("testdata/rules/seed.rules")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	legacy, err := os.ReadFile("testdata/rules/legacy.rules")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(legacy)
	f.Add([]byte("[rule x]\nregex = (\n  [A-Z]\nreason = nope\n"))
	f.Add([]byte("key = before id\n[\n[]\n[a b]\n"))
	f.Add([]byte("\ufeff[x]\nphrase = a|b|||c\nreason = blocked\n"))
	diags := seedDiagnostics(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"fuzz.rules": {Data: data}, "fuzz.providers": {Data: data}}
		_, errs, _ := build([]source{{fsys: fsys, name: "fuzz", user: true}})
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "fuzz") {
				t.Fatalf("error does not name the file: %v", e)
			}
		}
		c, errs, _ := build([]source{{fsys: fsys, name: "fuzz", user: true}})
		if len(errs) == 0 {
			for _, d := range diags {
				c.Classify(Input{Diagnostic: d, Status: "5.1.1", Recipient: "a@gmail.com"})
			}
		}
	})
}
