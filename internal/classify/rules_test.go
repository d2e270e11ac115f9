package classify

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/rules"
)

func defaultClassifier(t testing.TB) *Classifier {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRulesInVocabulary checks every embedded rule's result against the vocabulary.
func TestRulesInVocabulary(t *testing.T) {
	c := defaultClassifier(t)
	if c.RuleCount() < 100 {
		t.Fatalf("only %d rules loaded", c.RuleCount())
	}
	for _, r := range c.rules {
		info, ok := r.reason.Info()
		if !ok {
			t.Errorf("%s: [%s] reason %q not in Reasons", r.pos(), r.id, r.reason)
			continue
		}
		if r.typ != "" && !r.typ.Valid() {
			t.Errorf("%s: [%s] type %q not in Types", r.pos(), r.id, r.typ)
		}
		if r.action != "" && !r.action.Valid() {
			t.Errorf("%s: [%s] action %q not in Actions", r.pos(), r.id, r.action)
		}
		if r.typ != "" && r.typ != info.Type {
			t.Errorf("%s: [%s] overrides type %s of %s: default rules keep the vocabulary's type", r.pos(), r.id, r.typ, r.reason)
		}
		if r.stage == stageUser {
			t.Errorf("%s: [%s] embedded rule in the user stage", r.pos(), r.id)
		}
	}
}

// TestRuleIDsUnique reads the embedded files directly, so that a duplicate is caught even if
// the loader were to drop it.
func TestRuleIDsUnique(t *testing.T) {
	seen := map[string]string{}
	files, err := fs.Glob(rules.FS, "*.rules")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded rules files: %v", err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(rules.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
				id := line[1 : len(line)-1]
				pos := f + ":" + strconv.Itoa(i+1)
				if prev, ok := seen[id]; ok {
					t.Errorf("%s: duplicate id [%s], first at %s", pos, id, prev)
				}
				seen[id] = pos
			}
		}
	}
}

func TestUserRulesWin(t *testing.T) {
	in := Input{Recipient: "bob@example.org", Status: "5.1.1", ReplyCode: "550",
		Diagnostic: "550 5.1.1 <bob@example.org>: no such mailbox here"}
	def := defaultClassifier(t).Classify(in)
	if def.Reason != bounce.ReasonUserUnknown {
		t.Fatalf("default: %s, want userunknown", def.Reason)
	}
	user := fstest.MapFS{"local.rules": {Data: []byte(`
# our relay says "no such mailbox" while an account is being migrated
[rule migrating-mailbox]
phrase = no such mailbox here
reason = suspend
action = manual_review
`)}}
	c, err := Load(user)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Classify(in)
	if got.Reason != bounce.ReasonSuspend || got.Rule != "migrating-mailbox" || got.Action != bounce.ActionManualReview || got.Type != bounce.TypeSoft {
		t.Errorf("user rule: got %s/%s/%s by %s, want suspend/soft/manual_review by migrating-mailbox", got.Reason, got.Type, got.Action, got.Rule)
	}
	if got.Confidence != defaultConfidence[stageUser] {
		t.Errorf("confidence %v", got.Confidence)
	}

	// a user rule reusing a default id replaces the default rule
	replace := fstest.MapFS{"x.rules": {Data: []byte("[rule status-x.1.1]\nstatus = 5.1.1\nreason = filtered\n")}}
	c, err = Load(replace)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(Input{Status: "5.1.1", Diagnostic: "no clue here"}); got.Reason != bounce.ReasonFiltered {
		t.Errorf("replaced status rule: got %s", got.Reason)
	}
	if n, m := c.RuleCount(), defaultClassifier(t).RuleCount(); n != m {
		t.Errorf("replacing a rule changed the count: %d vs %d", n, m)
	}

	// user providers win over default ones
	prov := fstest.MapFS{"p.providers": {Data: []byte("[provider corp]\ndomain = gmail.com | corp.example\nmta = *.mx.corp.example\n")}}
	c, err = Load(prov)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Provider("a@gmail.com", ""); p != "corp" {
		t.Errorf("user provider for gmail.com: %s", p)
	}
	if p := c.Provider("a@elsewhere.example", "in1.mx.corp.example"); p != "corp" {
		t.Errorf("user provider by MTA: %s", p)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mine.rules"), "[rule greylist]\nphrase = greylisted\nreason = ratelimited\n")
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(Input{Status: "4.7.1", Diagnostic: "451 4.7.1 Greylisted, come back later"}); got.Rule != "greylist" {
		t.Errorf("got rule %s", got.Rule)
	}
	missing := filepath.Join(dir, "missing")
	if _, err := LoadDir(missing); err == nil || err.Error() != missing+": no such directory" {
		t.Errorf("LoadDir of a missing directory: %v", err)
	}
	if errs, _ := Check(filepath.Join(dir, "mine.rules")); len(errs) != 1 || !strings.HasSuffix(errs[0].Error(), "mine.rules: not a directory") {
		t.Errorf("Check of a file: %v", errs)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheck checks that rules check reports every problem of a folder in one run, each at its
// file and line.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "broken.rules"), `# a broken file
[rule ok-rule]
phrase = fine
reason = blocked

[rule bad-key]
phrase = something
colour = blue
reason = blocked

[rule bad-regex]
regex = (unclosed
reason = blocked

[rule bad-reason]
status = 5.1.1
reason = nosuchthing

[rule bad-status]
status = 5.1.1 |
         5.x.1
reason = blocked

[rule no-result]
phrase = lonely

[rule ok-rule]
phrase = again
reason = blocked

[rule bad-provider]
provider = nosuchprovider
reason = blocked

[rule bad-reply]
reply = 6xx
reason = blocked
reason =
orphan line
[rule]
[rules x]
`)
	writeFile(t, filepath.Join(dir, "bad.providers"), "[provider acme]\ndomain = acme.example\nowner = me\n[provider gmail]\n")
	errs, _ := Check(dir)
	p := filepath.Join(dir, "broken.rules") + ":"
	pp := filepath.Join(dir, "bad.providers") + ":"
	checkErrors(t, errs, []string{
		p + `8: unknown key "colour"`,
		p + `12: bad regex: error parsing regexp: missing closing ): ` + "`(unclosed`",
		p + `17: unknown reason "nosuchthing"`,
		p + `21: bad status pattern "5.x.1"`,
		p + `24: [no-result] has no result`,
		p + `27: duplicate rule id [ok-rule] (first at ` + p + `2)`,
		p + `31: [bad-provider]: unknown provider "nosuchprovider"`,
		p + `36: bad reply pattern "6xx"`,
		p + `38: reason has no value`,
		p + `39: expected key = value, a [section] or a # comment, got "orphan line"`,
		p + `40: [rule] needs an id: [rule ID]`,
		p + `41: unknown section [rules x]: this file holds [rule ID] sections`,
		pp + `3: unknown key "owner"`,
		pp + `4: provider [gmail] has no domain or mta`,
	})
	if _, err := LoadDir(dir); err == nil {
		t.Error("LoadDir accepted a broken directory")
	}

	good := t.TempDir()
	writeFile(t, filepath.Join(good, "ok.rules"), "[rule x]\nphrase = x-phrase\nreason = blocked\n")
	if errs, notes := Check(good); len(errs)+len(notes) != 0 {
		t.Errorf("good dir: %v %v", errs, notes)
	}
	empty := t.TempDir()
	if errs, _ := Check(empty); len(errs) != 1 || !strings.Contains(errs[0].Error(), "no *.rules") {
		t.Errorf("empty dir: %v", errs)
	}
}

// TestLegacyRules checks that a rules folder written before issue 14 (kebab-case keys, [id]
// headers, no stage) loads as it did, each old form with a note saying how to write it now.
func TestLegacyRules(t *testing.T) {
	dir := t.TempDir()
	legacy, err := os.ReadFile("testdata/rules/legacy.rules")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "legacy.rules"), string(legacy))
	writeFile(t, filepath.Join(dir, "old.providers"), "[acme]\ndomain = acme.example\n")
	errs, notes := Check(dir)
	if len(errs) != 0 {
		t.Fatalf("legacy rules: %v", errs)
	}
	var got []string
	for _, n := range notes {
		got = append(got, strings.TrimPrefix(n.Error(), dir+string(filepath.Separator)))
	}
	want := []string{
		"legacy.rules:2: [seed-phrase] is written [rule seed-phrase] now",
		`legacy.rules:4: key "not-phrase" is written not_phrase now`,
		"legacy.rules:7: [seed-status] is written [rule seed-status] now",
		`legacy.rules:10: key "dsn-action" is written dsn_action now`,
		"legacy.rules:17: [seed-regex] is written [rule seed-regex] now",
		"legacy.rules:26: [seed-like] is written [rule seed-like] now",
		"old.providers:1: [acme] is written [provider acme] now",
	}
	if len(got) != len(want) {
		t.Fatalf("notes:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("note %q, want %q", got[i], want[i])
		}
	}
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Recipient: "a@acme.example", Diagnostic: "451 greylisted, try again in 5 minutes"}
	if got := c.Classify(in); got.Rule != "seed-phrase" || got.Provider != "acme" || got.Confidence != defaultConfidence[stageUser] {
		t.Errorf("legacy user rule: %s at %s, %v", got.Rule, got.Provider, got.Confidence)
	}
}

// TestCopyOfBuiltinRules checks that a copy of the built-in rules/ folder is a valid --rules
// DIR, and that it classifies as the built-in rules do: each copied rule states its stage and
// replaces the built-in rule of its id in that stage.
func TestCopyOfBuiltinRules(t *testing.T) {
	dir := t.TempDir()
	entries, err := os.ReadDir("../../rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("../../rules", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, e.Name()), string(data))
	}
	errs, notes := Check(dir)
	if len(errs)+len(notes) != 0 {
		t.Fatalf("rules check of a copy of rules/: %v %v", errs, notes)
	}
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	def := defaultClassifier(t)
	if c.RuleCount() != def.RuleCount() {
		t.Errorf("%d rules in effect, want %d", c.RuleCount(), def.RuleCount())
	}
	inputs := append([]Input(nil), benchInputs...)
	for _, d := range readDiagnostics(t) {
		inputs = append(inputs, Input{Diagnostic: d}, Input{Diagnostic: d, Status: "5.1.1", Recipient: "a@gmail.com"})
	}
	for _, in := range inputs {
		a, b := def.Classify(in), c.Classify(in)
		if a.Reason != b.Reason || a.Rule != b.Rule || a.Type != b.Type || a.Confidence != b.Confidence {
			t.Errorf("%q: built-in %s by %s (%v), copy %s by %s (%v)", in.Diagnostic, a.Reason, a.Rule, a.Confidence, b.Reason, b.Rule, b.Confidence)
		}
	}
}

// TestDocs keeps docs/reasons.md and the examples of docs/rules.md in step with the code.
func TestDocs(t *testing.T) {
	reasons, err := os.ReadFile("../../docs/reasons.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range bounce.Reasons {
		row := "| `" + string(ri.Reason) + "` | " + string(ri.Type) + " | " + string(ri.Action) + " | " + strings.Join(ri.Codes, ", ") + " | " + ri.Meaning + " |"
		if !strings.Contains(string(reasons), row) {
			t.Errorf("docs/reasons.md lacks the row\n%s", row)
		}
	}
	doc, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	var ruleText, provText strings.Builder
	blocks := strings.Split(string(doc), "```ini\n")[1:]
	if len(blocks) < 3 {
		t.Fatalf("docs/rules.md has %d ini examples", len(blocks))
	}
	for _, b := range blocks {
		b = b[:strings.Index(b, "```")]
		if strings.Contains(b, "reason") {
			ruleText.WriteString(b + "\n")
		} else if !strings.Contains(b, "[provider gmail]") { // the gmail example repeats a default
			provText.WriteString(b + "\n")
		}
	}
	c, err := Load(fstest.MapFS{"doc.rules": {Data: []byte(ruleText.String())}, "doc.providers": {Data: []byte(provText.String())}})
	if err != nil {
		t.Fatalf("examples of docs/rules.md do not load: %v", err)
	}
	if got := c.Classify(Input{Recipient: "x@acme.example", Status: "5.1.1", Diagnostic: "550 5.1.1 too many messages this hour"}); got.Rule != "acme-rate" {
		t.Errorf("docs example: %s", got.Rule)
	}
}
