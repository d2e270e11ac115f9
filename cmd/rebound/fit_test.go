package main

import (
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// TestEllipsis checks that long values are shortened to the width asked, keeping their start
// and end (an address's domain whole), and that short ones are left alone.
func TestEllipsis(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
		addr  bool
	}{
		{"short", 10, "short", false},
		{"/var/mail/bounces/new/1700000000.M1.host", 20, "/var/mail/…0.M1.host", false},
		{"日本語のとても長い件名です", 9, "日本…です", false},
		{strings.Repeat("x", 300) + "@example.org", 20, "xxxxxxx…@example.org", true},
		{"ann@" + strings.Repeat("sub.", 20) + "example.org", 20, "ann@sub.su…ample.org", true},
	} {
		got := ellipsis(c.in, c.width)
		if c.addr {
			got = addressEllipsis(c.in, c.width)
		}
		if got != c.want || twwidth.Width(got) > c.width {
			t.Errorf("shorten %q to %d: got %q (width %d), want %q", c.in, c.width, got, twwidth.Width(got), c.want)
		}
	}
}
