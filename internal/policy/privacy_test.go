package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// defaultID is the id of rules/default.policy. Databases store it with every state: a change
// makes every database re-evaluate, so it changes only with a setting that decides states.
const defaultID = "cbba0f8f045e"

func TestDefaultPolicyID(t *testing.T) {
	p := load(t, "")
	if id := p.ID(); id != defaultID {
		t.Errorf("the default policy's id is %s, was %s: a change of rules/default.policy changed the settings that decide states", id, defaultID)
	}
	if p.Privacy.Line != 0 || p.Privacy.PseudonymiseAfter != 0 || p.Privacy.RedactDiagnostics {
		t.Errorf("the default policy sets privacy: %+v", p.Privacy)
	}
}

func TestPrivacySection(t *testing.T) {
	p := load(t, "[provider gmail]\npause = 3d\n\n[privacy]\npseudonymise_after = 90d # quarterly\nredact_diagnostics = yes\n")
	pv := p.Privacy
	if pv.PseudonymiseAfter != 90*24*time.Hour || !pv.RedactDiagnostics {
		t.Errorf("privacy %+v", pv)
	}
	st, ok := pv.Setting("pseudonymise_after")
	if !ok || st.File != "test.policy" || st.Line != 5 || st.Value != "90d" {
		t.Errorf("pseudonymise_after set at %+v", st)
	}
	if pv.File != "test.policy" || pv.Line != 4 {
		t.Errorf("[privacy] at %s:%d", pv.File, pv.Line)
	}
	for _, s := range p.Sections {
		if s.Kind == KindPrivacy {
			t.Errorf("[privacy] among the sections that decide states")
		}
	}
	if p := load(t, "[privacy]\nredact_diagnostics = no\n"); p.Privacy.RedactDiagnostics || p.Privacy.PseudonymiseAfter != 0 {
		t.Errorf("redact_diagnostics = no: %+v", p.Privacy)
	}
}

// TestPrivacyOutsideID: the [privacy] section decides no state, so changing it keeps the
// policy's id (no database re-evaluates), while a threshold still changes it.
func TestPrivacyOutsideID(t *testing.T) {
	base := load(t, "[reason mailboxfull]\nsoft_threshold = 5\n").ID()
	for _, user := range []string{
		"[reason mailboxfull]\nsoft_threshold = 5\n[privacy]\npseudonymise_after = 90d\n",
		"[privacy]\nredact_diagnostics = yes\npseudonymise_after = 6w\n[reason mailboxfull]\nsoft_threshold = 5\n",
		"[reason mailboxfull]\nsoft_threshold = 5\n[privacy]\nredact_diagnostics = no\n",
	} {
		if id := load(t, user).ID(); id != base {
			t.Errorf("%q: id %s, want %s (the privacy section changed it)", user, id, base)
		}
	}
	if id := load(t, "[reason mailboxfull]\nsoft_threshold = 4\n[privacy]\npseudonymise_after = 90d\n").ID(); id == base {
		t.Error("a changed soft_threshold keeps the id")
	}
	if id := load(t, "[privacy]\nredact_diagnostics = yes\n").ID(); id != defaultID {
		t.Errorf("the defaults with a [privacy] section: id %s, want the defaults' %s", id, defaultID)
	}
}

func TestPrivacyErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"bad duration", "[privacy]\npseudonymise_after = 90 days\n", `x.policy:2: pseudonymise_after: bad duration "90 days": want a positive number with a unit s, m, h, d or w (90m, 72h, 7d)`},
		{"bad yes/no", "[privacy]\nredact_diagnostics = true\n", `x.policy:2: redact_diagnostics: bad value "true": want yes or no`},
		{"unknown key", "[privacy]\npseudonymize_after = 90d\n", `x.policy:2: unknown key "pseudonymize_after" in [privacy] (known: pseudonymise_after, redact_diagnostics); did you mean pseudonymise_after?`},
		{"state key in privacy", "[privacy]\nsoft_threshold = 5\n", `x.policy:2: soft_threshold decides states: it belongs in [default], [reason NAME] or [provider NAME], not [privacy]`},
		{"privacy key in default", "[default]\nredact_diagnostics = yes\n", `x.policy:2: redact_diagnostics decides no state: it belongs in the [privacy] section`},
		{"duplicate key", "[privacy]\nredact_diagnostics = yes\nredact_diagnostics = no\n", `x.policy:3: duplicate key "redact_diagnostics" (first set on line 2)`},
		{"duplicate section", "[privacy]\n\n[privacy]\n", `x.policy:3: duplicate section [privacy] (first on line 1)`},
		{"named", "[privacy gdpr]\n", `x.policy:1: bad section header "[privacy gdpr]": [privacy] takes no name`},
		{"two lines", "[privacy]\npseudonymise_after = 90d\n  120d\n", `x.policy:3: pseudonymise_after takes one value, on the line of the key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.policy", []byte(tt.text))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "x.policy" {
				t.Errorf("error %v is not a *ParseError for x.policy", err)
			}
		})
	}
}

// TestPrivacyHorizon: pseudonymise_after must be at least the policy's longest window, that of
// the policy as laid over the defaults, as --pseudonymise-older-than must.
func TestPrivacyHorizon(t *testing.T) {
	for _, c := range []struct{ user, want string }{
		{"[privacy]\npseudonymise_after = 29d\n",
			"user.policy:2: pseudonymise_after 29d is shorter than the policy's longest window (pause_window 30d): pseudonymising could change pauses; use 30d or more"},
		{"[provider gmail]\npause_window = 60d\n\n[privacy]\npseudonymise_after = 30d\n",
			"user.policy:5: pseudonymise_after 30d is shorter than the policy's longest window (pause_window 60d)"},
		{"[privacy]\npseudonymise_after = 30d\n", ""},
	} {
		for _, loadFn := range []func() (*Policy, error){
			func() (*Policy, error) { return Load(defaults(t), "user.policy", []byte(c.user)) },
			func() (*Policy, error) {
				return LoadChecked(defaults(t), "user.policy", []byte(c.user), nil, nil)
			},
		} {
			_, err := loadFn()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%q: %v", c.user, err)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
				t.Errorf("%q: error %v, want %q", c.user, err, c.want)
			}
		}
	}
}

// TestPrivacyOverlay: a [privacy] section of the user's file is laid over one of the
// defaults key by key, as the other sections are.
func TestPrivacyOverlay(t *testing.T) {
	def := string(defaults(t)) + "\n[privacy]\npseudonymise_after = 90d\nredact_diagnostics = yes\n"
	p, err := Load([]byte(def), "user.policy", []byte("[privacy]\nredact_diagnostics = no\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Privacy.PseudonymiseAfter != 90*24*time.Hour || p.Privacy.RedactDiagnostics {
		t.Errorf("overlaid privacy %+v", p.Privacy)
	}
	if st, _ := p.Privacy.Setting("redact_diagnostics"); st.File != "user.policy" || st.Value != "no" {
		t.Errorf("redact_diagnostics from %+v", st)
	}
	if st, _ := p.Privacy.Setting("pseudonymise_after"); st.File != DefaultName {
		t.Errorf("pseudonymise_after from %+v", st)
	}
}
