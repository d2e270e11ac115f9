package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
)

func TestDefaultPolicy(t *testing.T) {
	p := load(t, "")
	ps := p.resolve("mailboxfull", "other")
	if ps.treatment(kHard) != Suppress || ps.treatment(kComplaint) != Suppress || ps.treatment(kSoft) != Pause ||
		ps.treatment(kBlock) != Provider || ps.treatment(kAutoreply) != Ignore || ps.treatment(kDelivered) != Ignore ||
		ps.treatment(kUnknown) != Review {
		t.Errorf("default treatments: %s", ps.describe(kHard, kComplaint, kSoft, kBlock, kAutoreply, kDelivered, kUnknown))
	}
	if ps.num(kSoftThreshold) != 3 || ps.duration(kSoftWindow) != 72*time.Hour || ps.duration(kPause) != 7*24*time.Hour ||
		ps.num(kPausesToSuppress) != 3 || ps.duration(kPauseWindow) != 30*24*time.Hour {
		t.Errorf("default numbers: %s", ps.describe(kSoftThreshold, kSoftWindow, kPause, kPausesToSuppress, kPauseWindow))
	}
	if !ps.has(kComplaintTypes, "abuse") || !ps.has(kComplaintTypes, "fraud") || ps.has(kComplaintTypes, "not-spam") {
		t.Errorf("default complaint types: %s", ps.describe(kComplaintTypes))
	}
	if len(p.Sections) != 1 {
		t.Errorf("default policy has %d sections, want only [default]", len(p.Sections))
	}
}

func TestLoadOverlay(t *testing.T) {
	user, err := os.ReadFile("testdata/overrides.policy")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(defaults(t), "overrides.policy", user)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reason, provider string
		keys             []key
		want             string
	}{
		{"expired", "other", []key{kSoftThreshold, kSoftWindow, kPause},
			"default: soft_threshold=3 soft_window=72h pause=14d"},
		{"mailboxfull", "other", []key{kSoftThreshold, kSoftWindow, kPause},
			"reason mailboxfull: soft_threshold=5 soft_window=72h; default: pause=14d"},
		{"mailboxfull", "gmail", []key{kSoftThreshold, kPauseWindow},
			"reason mailboxfull: soft_threshold=5; provider gmail: pause_window=2w"},
		{"expired", "gmail", []key{kSoftThreshold, kHard}, "provider gmail: soft_threshold=4; default: hard=suppress"},
		{"hasmoved", "gmail", []key{kHard}, "reason hasmoved: hard=review"},
	}
	for _, tt := range tests {
		if got := p.resolve(tt.reason, tt.provider).describe(tt.keys...); got != tt.want {
			t.Errorf("%s/%s: %q, want %q", tt.reason, tt.provider, got, tt.want)
		}
	}
	var pause Setting
	for _, st := range p.Sections[0].Settings {
		if st.Key == "pause" {
			pause = st
		}
	}
	if pause.File != "overrides.policy" || pause.Line != 3 || pause.Value != "14d" {
		t.Errorf("overlaid setting %+v", pause)
	}
	// The defaults are not modified by the overlay.
	if got := load(t, "").resolve("expired", "other").describe(kPause); got != "default: pause=7d" {
		t.Errorf("defaults changed by overlay: %s", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"bad key", "[default]\ncolour = blue\n", `x.policy:2: unknown key "colour"`},
		{"bad duration", "[default]\n\nsoft_window = 72 hours\n", `x.policy:3: soft_window: bad duration "72 hours"`},
		{"zero duration", "[default]\npause = 0d\n", `x.policy:2: pause: bad duration "0d"`},
		{"duration without unit", "[default]\npause = 7\n", `x.policy:2: pause: bad duration "7"`},
		{"unknown unit", "[default]\npause = 7y\n", `x.policy:2: pause: bad duration "7y"`},
		{"huge duration", "[default]\npause = 99999999999999d\n", `x.policy:2: pause: bad duration`},
		{"bad number", "[default]\nsoft_threshold = three\n", `x.policy:2: soft_threshold: bad number "three"`},
		{"zero threshold", "[default]\nsoft_threshold = 0\n", `x.policy:2: soft_threshold: bad number "0"`},
		{"negative pauses", "[default]\npauses_to_suppress = -1\n", `x.policy:2: pauses_to_suppress: bad number "-1"`},
		{"bad treatment", "[default]\nhard = delete\n", `x.policy:2: hard: bad value "delete": want one of suppress, pause, review, ignore`},
		{"mistyped treatment", "[default]\ncomplaint = suppres\n", `x.policy:2: complaint: bad value "suppres": want one of suppress, review, ignore; did you mean suppress?`},
		{"mistyped key", "[default]\nsoft_treshold = 3\n", `; did you mean soft_threshold?`},
		{"mistyped section kind", "[provder gmail]\n", `x.policy:1: unknown section kind "provder" in [provder gmail]: want default, reason, provider or privacy; did you mean provider?`},
		{"block never suppresses", "[default]\nblock = suppress\n", `x.policy:2: block: bad value "suppress"`},
		{"missing value", "[default]\nhard =\n", `x.policy:2: hard has no value`},
		{"no equals", "[default]\nhard suppress\n", `x.policy:2: expected key = value`},
		{"duplicate key", "[default]\nhard = suppress\nhard = review\n", `x.policy:3: duplicate key "hard" (first set on line 2)`},
		{"bad complaint type", "[default]\ncomplaint_types = abuse | Not_Spam!\n", `x.policy:2: complaint_types: bad feedback type "not_spam!"`},
		{"empty list", "[default]\ncomplaint_types = |\n", `x.policy:2: complaint_types: empty list`},
		{"unknown complaint type", "[default]\ncomplaint_types = abuse fraud nonsense\n",
			`x.policy:2: complaint_types: unknown feedback type "nonsense": want one of abuse, fraud, other, virus, auth-failure, not-spam (the ARF registry: RFC 5965, 6591, 6430)`},
		{"mistyped complaint type", "[default]\ncomplaint_types = abuse |\n    virs\n", `x.policy:3: complaint_types: unknown feedback type "virs": want one of abuse, fraud, other, virus, auth-failure, not-spam (the ARF registry: RFC 5965, 6591, 6430); did you mean virus?`},
		{"two lines", "[default]\npause = 3d\n  4d\n", `x.policy:3: pause takes one value`},
		{"outside section", "hard = suppress\n", `x.policy:1: setting outside a section`},
		{"unknown section kind", "[reasons mailboxfull]\nsoft_threshold = 5\n", `x.policy:1: unknown section kind "reasons"`},
		{"reason without name", "[default]\n[reason]\n", `x.policy:2: bad section header "[reason]": want [reason NAME]`},
		{"provider with two names", "[provider gmail yahoo]\n", `x.policy:1: section header "[provider gmail yahoo]" has 3 words`},
		{"default with a name", "[default gmail]\n", `x.policy:1: bad section header "[default gmail]": [default] takes no name`},
		{"unterminated header", "[reason mailboxfull\n", `x.policy:1: section header "[reason mailboxfull" has no closing ]`},
		{"empty header", "[]\n", `x.policy:1: empty section header`},
		{"bad name", "[reason MailboxFull]\n", `x.policy:1: bad reason name "MailboxFull"`},
		{"duplicate section", "[reason expired]\n\n[reason expired]\n", `x.policy:3: duplicate section [reason expired] (first on line 1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.policy", []byte(tt.text))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "x.policy" {
				t.Errorf("error %v is not a *ParseError for x.policy", err)
			}
		})
	}
}

func TestParseReportsEveryError(t *testing.T) {
	data, err := os.ReadFile("testdata/bad.policy")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("bad.policy", data)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"bad.policy:2:", "bad.policy:3:", "bad.policy:4:", "bad.policy:6:", "bad.policy:9:"}
	if len(lines) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d: %q, want prefix %q", i, lines[i], w)
		}
	}
}

// TestParseSyntax reads a policy in the config format, and one in the format of before issue
// 14 (; comments, lists separated by spaces or commas), which still loads with the same meaning.
func TestParseSyntax(t *testing.T) {
	text := "\ufeff# comment\n[default]   \r\n  hard=review   # inline\r\n  pause = 2w\t# tab comment\n" +
		"[provider gmail.com-x_1]\ncomplaint_types = abuse |\n    fraud\n    virus\n"
	old := "\ufeff# comment\n; another\r\n[default]   \r\n  hard=review   # inline\r\n\tpause = 2w\t# tab comment\n" +
		"[provider gmail.com-x_1]\ncomplaint_types = abuse,fraud  virus\n"
	for _, text := range []string{text, old} {
		p, err := Parse("x.policy", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		ps := p.resolve("expired", "gmail.com-x_1")
		if ps.treatment(kHard) != Review || ps.duration(kPause) != 14*24*time.Hour || ps[kComplaintTypes].text != "abuse fraud virus" {
			t.Errorf("parsed %s", ps.describe(kHard, kPause, kComplaintTypes))
		}
	}
}

func TestLoadNeedsCompleteDefaults(t *testing.T) {
	if _, err := Load([]byte("[default]\nhard = suppress\n"), "", nil); err == nil ||
		!strings.Contains(err.Error(), "rules/default.policy:1: [default] does not set soft, complaint") {
		t.Errorf("err = %v", err)
	}
	if _, err := Load([]byte("[reason expired]\n"), "", nil); err == nil || !strings.Contains(err.Error(), "no [default] section") {
		t.Errorf("err = %v", err)
	}
	if _, err := Load(defaults(t), "user.policy", []byte("[default]\nhard = nope\n")); err == nil ||
		!strings.HasPrefix(err.Error(), "user.policy:2:") {
		t.Errorf("err = %v", err)
	}
}

// TestFeedbackTypes: every type of the ARF registry is accepted, in any case, and each unknown
// one is a problem at its own line.
func TestFeedbackTypes(t *testing.T) {
	p, err := Parse("x.policy", []byte("[default]\ncomplaint_types = Abuse | fraud | other | virus | auth-failure | NOT-SPAM\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Sections[0].Settings[0].Value; got != "abuse fraud other virus auth-failure not-spam" {
		t.Errorf("complaint_types = %q", got)
	}
	_, err = Parse("x.policy", []byte("[default]\ncomplaint_types = abuse | spam\n    fraud | phishing\n"))
	want := "x.policy:2: complaint_types: unknown feedback type \"spam\"" +
		": want one of abuse, fraud, other, virus, auth-failure, not-spam (the ARF registry: RFC 5965, 6591, 6430)\n" +
		"x.policy:3: complaint_types: unknown feedback type \"phishing\"" +
		": want one of abuse, fraud, other, virus, auth-failure, not-spam (the ARF registry: RFC 5965, 6591, 6430)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestCheck(t *testing.T) {
	p, err := Parse("x.policy", []byte("[default]\n[reason mailboxfull]\n[reason mailboxful]\n[provider gmail]\n[provider gmial]\n"))
	if err != nil {
		t.Fatal(err)
	}
	reasons := []string{"mailboxfull", "expired"}
	err = p.Check(reasons, []string{"gmail", "yahoo"})
	if err == nil {
		t.Fatal("no error")
	}
	want := "x.policy:3: unknown reason \"mailboxful\" in section [reason mailboxful]; did you mean mailboxfull?\n" +
		"x.policy:5: unknown provider \"gmial\" in section [provider gmial]; did you mean gmail?"
	if err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if err := p.Check(nil, nil); err != nil {
		t.Errorf("unchecked: %v", err)
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(defaults(f))
	seeds, _ := filepath.Glob("testdata/*.policy")
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[privacy]\npseudonymise_after = 90d\nredact_diagnostics = yes\n[reason expired]\npause = 40d\n"))
	base := defaults(f)
	loadedDefaults, err := Load(base, "", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := Parse("fuzz.policy", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.policy:") {
				t.Fatalf("error without file:line: %v", err)
			}
			return
		}
		p, err := Load(base, "fuzz.policy", data)
		if err != nil && q.Privacy.PseudonymiseAfter > 0 {
			// Only a pseudonymise_after shorter than the longest window of the policy as laid
			// over the defaults loads alone but not over them.
			st, _ := q.Privacy.Setting("pseudonymise_after")
			if h, _ := loadedDefaults.Overlay(q).Horizon(); q.Privacy.PseudonymiseAfter >= h ||
				!strings.HasPrefix(err.Error(), fmt.Sprintf("fuzz.policy:%d: pseudonymise_after %s is shorter", st.Line, st.Value)) {
				t.Fatalf("pseudonymise_after %s against a horizon of %v: %v", st.Value, h, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("parsed alone but not over the defaults: %v", err)
		}
		// Every event resolves to complete settings, whatever sections the file has.
		var evs []bounce.Event
		for i, s := range q.Sections {
			for j, ty := range bounce.Types {
				evs = append(evs, bounce.Event{ID: bounce.EventID(s.Name, j), Address: "r@example.com", Type: ty,
					Reason: bounce.Reason(s.Name), Provider: s.Name, BouncedAt: t0.Add(time.Duration(i+j) * time.Hour)})
			}
		}
		for _, e := range evs {
			for k, v := range p.resolve(string(e.Reason), e.Provider) {
				if v == nil {
					t.Fatalf("key %s unresolved for %s/%s", keySpecs[k].name, e.Reason, e.Provider)
				}
			}
		}
		Evaluate(p, evs, nil, t0.Add(1000*time.Hour))
		BlockCounts(p, evs)
	})
}

// TestLoadCheckedReportsEverything: the lines that do not parse and the sections that name an
// unknown reason or provider are reported together, in line order, and more than twenty of them.
func TestLoadCheckedReportsEverything(t *testing.T) {
	var b strings.Builder
	b.WriteString("[reason mailboxful]\nsoft_threshold = 5\n[default]\nsoft_window = 72 hours\n[provider gmial]\npause = 3d\n")
	for i := range 25 {
		fmt.Fprintf(&b, "colour%d = blue\n", i)
	}
	_, err := LoadChecked(defaults(t), "user.policy", []byte(b.String()), []string{"mailboxfull"}, []string{"gmail"})
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 28 || !strings.HasPrefix(lines[0], `user.policy:1: unknown reason "mailboxful"`) ||
		!strings.HasPrefix(lines[1], "user.policy:4: soft_window: bad duration") ||
		!strings.HasPrefix(lines[2], `user.policy:5: unknown provider "gmial"`) || !strings.HasPrefix(lines[27], "user.policy:31: ") {
		t.Errorf("%d problems:\n%v", len(lines), err)
	}
	p, err := LoadChecked(defaults(t), "ok.policy", []byte("[reason mailboxfull]\nsoft_threshold = 5\n"), []string{"mailboxfull"}, nil)
	if err != nil || p == nil {
		t.Fatalf("a good file: %v", err)
	}
}
