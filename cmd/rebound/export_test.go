package main

import (
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/export"
)

// TestImportLimitWarning: a Mailgun import file over the 25 MB Mailgun takes is written, with a
// warning and a hint to split it; one at the limit, or in a format with no documented limit,
// gets none.
func TestImportLimitWarning(t *testing.T) {
	w := importLimitWarning(export.Mailgun, "bounces.csv", 25_000_001)
	if !strings.HasPrefix(w, "rebound: warning: bounces.csv is 25,000,001 bytes, over the 25,000,000 bytes of the largest file the mailgun import takes\nhint: split the list with --provider or --since") {
		t.Errorf("over the limit: %q", w)
	}
	if w := importLimitWarning(export.MailgunComplaints, "c.csv", 30_000_000); !strings.Contains(w, "mailgun-complaints import") {
		t.Errorf("complaints over the limit: %q", w)
	}
	for _, tt := range []struct {
		f export.Format
		n int64
	}{{export.Mailgun, 25_000_000}, {export.CSV, 1 << 40}, {export.SES, 1 << 40}} {
		if w := importLimitWarning(tt.f, "x", tt.n); w != "" {
			t.Errorf("%s, %d bytes: %q", tt.f, tt.n, w)
		}
	}
}
