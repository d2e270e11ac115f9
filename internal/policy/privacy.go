package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/config"
)

// KindPrivacy is the [privacy] section: what rebound keeps of personal data (docs/privacy.md).
const KindPrivacy SectionKind = "privacy"

// Privacy holds the settings of the [privacy] section. They decide no state, so they are not
// part of the policy's ID: changing them makes no database re-evaluate its states.
type Privacy struct {
	// PseudonymiseAfter is the age after which `prune` pseudonymises the addresses whose
	// events are all older (pseudonymise_after; 0 when not set). At least the policy's
	// longest window (Horizon): Load checks it.
	PseudonymiseAfter time.Duration
	// RedactDiagnostics makes `scan` remove each recipient's address and local part from the
	// diagnostic stored for it (redact_diagnostics = yes).
	RedactDiagnostics bool
	// Settings are the lines that set them, with file and line, in file order.
	Settings []Setting
	// File and Line locate the [privacy] header that came last (Line 0: no section).
	File string
	Line int
}

// privacyKeys are the keys of the [privacy] section, in the order docs/policy.md gives them.
var privacyKeys = []string{"pseudonymise_after", "redact_diagnostics"}

func isPrivacyKey(k string) bool { return contains(privacyKeys, k) }

// Setting returns the line that set a privacy key, if any.
func (pv *Privacy) Setting(k string) (Setting, bool) {
	for _, st := range pv.Settings {
		if st.Key == k {
			return st, true
		}
	}
	return Setting{}, false
}

// parsePrivacy reads a [privacy] section into p.Privacy, recording problems in f.
func (p *Policy) parsePrivacy(f *config.File, sec *config.Section) {
	if sec.Name != "" {
		f.Errorf(sec.Line, "bad section header \"[%s]\": [privacy] takes no name", sec.Label())
		return
	}
	if p.Privacy.Line != 0 {
		f.Errorf(sec.Line, "duplicate section [privacy] (first on line %d)", p.Privacy.Line)
		return
	}
	p.Privacy.File, p.Privacy.Line = f.Name, sec.Line
	for _, e := range sec.Entries {
		p.Privacy.set(f, e)
	}
}

// set reads one setting of the [privacy] section.
func (pv *Privacy) set(f *config.File, e *config.Entry) {
	if !isPrivacyKey(e.Key) {
		if _, ok := lookupKey(e.Key); ok {
			f.Errorf(e.Line, "%s decides states: it belongs in [default], [reason NAME] or [provider NAME], not [privacy]", e.Key)
			return
		}
		f.Errorf(e.Line, "unknown key %q in [privacy] (known: %s)%s", e.Key, strings.Join(privacyKeys, ", "), didYouMean(e.Key, privacyKeys))
		return
	}
	if prev, ok := pv.Setting(e.Key); ok {
		f.Errorf(e.Line, "duplicate key %q (first set on line %d)", e.Key, prev.Line)
		return
	}
	v, ok := f.One(e)
	if !ok {
		return
	}
	switch e.Key {
	case "pseudonymise_after":
		d, err := config.ParseDuration(v.Text)
		if err != nil {
			f.Errorf(e.Line, "%s: %v", e.Key, err)
			return
		}
		pv.PseudonymiseAfter = d
	case "redact_diagnostics":
		switch v.Text {
		case "yes":
			pv.RedactDiagnostics = true
		case "no":
			pv.RedactDiagnostics = false
		default:
			f.Errorf(e.Line, "%s: bad value %q: want yes or no", e.Key, v.Text)
			return
		}
	}
	pv.Settings = append(pv.Settings, Setting{Key: e.Key, Value: v.Text, File: f.Name, Line: e.Line})
}

// overlay lays q's privacy settings over pv's, key by key.
func (pv Privacy) overlay(q Privacy) Privacy {
	out := pv
	out.Settings = append([]Setting(nil), pv.Settings...)
	if q.Line != 0 {
		out.File, out.Line = q.File, q.Line
	}
	for _, st := range q.Settings {
		replaced := false
		for i := range out.Settings {
			if out.Settings[i].Key == st.Key {
				out.Settings[i], replaced = st, true
			}
		}
		if !replaced {
			out.Settings = append(out.Settings, st)
		}
		switch st.Key {
		case "pseudonymise_after":
			out.PseudonymiseAfter = q.PseudonymiseAfter
		case "redact_diagnostics":
			out.RedactDiagnostics = q.RedactDiagnostics
		}
	}
	return out
}

// checkPrivacy reports a pseudonymise_after shorter than the policy's longest window: younger
// events can still decide a pause, and pseudonymising them could change it (the check prune
// makes of --pseudonymise-older-than).
func (p *Policy) checkPrivacy() []error {
	st, ok := p.Privacy.Setting("pseudonymise_after")
	if !ok {
		return nil
	}
	horizon, why := p.Horizon()
	if p.Privacy.PseudonymiseAfter >= horizon {
		return nil
	}
	return []error{&ParseError{File: st.File, Line: st.Line, Msg: fmt.Sprintf(
		"pseudonymise_after %s is shorter than the policy's longest window (%s): pseudonymising could change pauses; use %s or more",
		st.Value, why, config.FormatDuration(horizon))}}
}
