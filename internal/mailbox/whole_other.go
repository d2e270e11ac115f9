//go:build !linux

package mailbox

import "time"

// readWhole is the direct read of whole_linux.go; elsewhere a maildir file is read through
// os.Open like any other file.
func readWhole(path string, max int64) (data []byte, mtime time.Time, pooled, ok bool, err error) {
	return nil, time.Time{}, false, false, nil
}
