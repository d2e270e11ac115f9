//go:build !unix

package mailbox

import "errors"

func syscallMkfifo(string) error { return errors.New("no FIFOs on this system") }
