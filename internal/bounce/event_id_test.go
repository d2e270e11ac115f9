package bounce

import "testing"

// TestParseEventID checks that ParseEventID takes apart what EventID makes, a message key with
// a '#' of its own included, and refuses what is no event id.
func TestParseEventID(t *testing.T) {
	for _, key := range []string{"1793696400.M1P4242.mx.example.net", "/var/mail/bounces:1024", "imap://h/INBOX#7:3", ""} {
		for _, idx := range []int{1, 12} {
			k, i, ok := ParseEventID(EventID(key, idx))
			if !ok || k != key || i != idx {
				t.Errorf("ParseEventID(EventID(%q, %d)) = %q, %d, %v", key, idx, k, i, ok)
			}
		}
	}
	for _, id := range []string{"no-index", "key#", "key#x1"} {
		if _, _, ok := ParseEventID(id); ok {
			t.Errorf("ParseEventID(%q) took it as an event id", id)
		}
	}
}
