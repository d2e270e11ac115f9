package dsn

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestDump prints the reports of the files named in DSN_DUMP (space-separated), for debugging:
// DSN_DUMP="a.eml b.eml" go test -run TestDump -v
func TestDump(t *testing.T) {
	names := strings.Fields(os.Getenv("DSN_DUMP"))
	if len(names) == 0 {
		t.Skip("DSN_DUMP not set")
	}
	for _, name := range names {
		r, err := decodeFile(t, name)
		b, _ := json.MarshalIndent(r, "", "  ")
		t.Logf("%s: err %v\n%s", name, err, b)
	}
}
