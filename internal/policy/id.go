package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/config"
)

// ID identifies a policy by its effective settings: a short hex SHA-256 of every
// section's settings, sections and keys sorted. Comments, order and the file name do not
// change it, nor does the [privacy] section, which decides no state (Privacy is outside
// Sections). It is stored with every evaluated state, so that export and show can tell when
// states were evaluated with another policy.
func (p *Policy) ID() string {
	var lines []string
	for _, s := range p.Sections {
		for _, st := range s.Settings {
			lines = append(lines, s.Label()+"\x00"+st.Key+"\x00"+st.Value)
		}
	}
	slices.Sort(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:6])
}

// Horizon is how far back events can decide a state that is not permanent: a pause (its soft
// window and its length) or a pause count (pause_window), with the longest settings of any
// section. Pruning younger events could change states; suppressions and reviews are kept by
// keeping their evidence (store.Prune).
func (p *Policy) Horizon() (time.Duration, string) {
	var longest [numKeys]time.Duration
	for _, s := range p.Sections {
		for _, k := range []key{kSoftWindow, kPause, kPauseWindow} {
			if v := s.vals[k]; v != nil && v.d > longest[k] {
				longest[k] = v.d
			}
		}
	}
	paused := longest[kSoftWindow] + longest[kPause]
	if pw := longest[kPauseWindow]; pw >= paused {
		return pw, "pause_window " + config.FormatDuration(pw)
	}
	return paused, "soft_window + pause " + config.FormatDuration(paused)
}
