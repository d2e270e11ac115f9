//go:build !unix

package mailbox

import "os"

// writeLocked reports false: fcntl locks are a Unix matter.
func writeLocked(*os.File) bool { return false }
