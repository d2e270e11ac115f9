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
[migrating-mailbox]
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
	replace := fstest.MapFS{"x.rules": {Data: []byte("[status-x.1.1]\nstatus = 5.1.1\nreason = filtered\n")}}
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
	prov := fstest.MapFS{"p.providers": {Data: []byte("[corp]\ndomain = gmail.com | corp.example\nmta = *.mx.corp.example\n")}}
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
	writeFile(t, filepath.Join(dir, "mine.rules"), "[greylist]\nphrase = greylisted\nreason = ratelimited\n")
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
	if errs := Check(filepath.Join(dir, "mine.rules")); len(errs) != 1 || !strings.HasSuffix(errs[0].Error(), "mine.rules: not a directory") {
		t.Errorf("Check of a file: %v", errs)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "broken.rules"), `# a broken file
[ok-rule]
phrase = fine
reason = blocked

[bad-key]
phrase = something
colour = blue
reason = blocked

[bad-regex]
regex = (unclosed
reason = blocked

[bad-reason]
status = 5.1.1
reason = nosuchthing

[bad-status]
status = 5.x.1
reason = blocked

[no-result]
phrase = lonely

[ok-rule]
phrase = again
reason = blocked

[bad-provider]
provider = nosuchprovider
reason = blocked

[bad-reply]
reply = 6xx
reason = blocked
orphan line
`)
	writeFile(t, filepath.Join(dir, "bad.providers"), "[acme]\ndomain = acme.example\nowner = me\n[gmail]\n")
	errs := Check(dir)
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	p := filepath.Join(dir, "broken.rules") + ":"
	pp := filepath.Join(dir, "bad.providers") + ":"
	want := []string{
		p + `8: unknown key "colour"`,
		p + `12: bad regex: error parsing regexp: missing closing ): ` + "`(unclosed`",
		p + `17: unknown reason "nosuchthing"`,
		p + `20: bad status pattern "5.x.1"`,
		p + `23: [no-result] has no result`,
		p + `26: duplicate rule id [ok-rule] (first at ` + p + `2)`,
		p + `30: [bad-provider]: unknown provider "nosuchprovider"`,
		p + `35: bad reply pattern "6xx"`,
		p + `37: expected [id] or key = value, got "orphan line"`,
		pp + `3: unknown key "owner"`,
		pp + `4: provider [gmail] has no domain or mta`,
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing error %q", w)
		}
	}
	if len(got) != len(want) || t.Failed() {
		t.Errorf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	if _, err := LoadDir(dir); err == nil {
		t.Error("LoadDir accepted a broken directory")
	}

	good := t.TempDir()
	writeFile(t, filepath.Join(good, "ok.rules"), "[x]\nphrase = x-phrase\nreason = blocked\n")
	if errs := Check(good); len(errs) != 0 {
		t.Errorf("good dir: %v", errs)
	}
	empty := t.TempDir()
	if errs := Check(empty); len(errs) != 1 || !strings.Contains(errs[0].Error(), "no *.rules") {
		t.Errorf("empty dir: %v", errs)
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
		} else if !strings.Contains(b, "[gmail]") { // the gmail example repeats a default
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
