package store

import (
	"embed"
	"strings"
)

//go:embed queries/*.sql queries/postgres/*.sql
var queryFS embed.FS

// maxParams is the most parameters one statement gets from a {{list}}.
const maxParams = 500

// query returns the text of queries/NAME.sql. The files are part of the binary and every name
// is exercised by the tests, so a missing one is a programming error.
func query(name string) string {
	b, err := queryFS.ReadFile("queries/" + name + ".sql")
	if err != nil {
		panic("store: no query " + name)
	}
	return string(b)
}

// listQuery returns query NAME with its {{list}} expanded to n placeholders.
func listQuery(name string, n int) string {
	return strings.ReplaceAll(query(name), "{{list}}", placeholders(n))
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// chunks calls fn on successive pieces of keys of at most maxParams each.
func chunks(keys []string, fn func([]string) error) error {
	for len(keys) > 0 {
		n := min(len(keys), maxParams)
		if err := fn(keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}
