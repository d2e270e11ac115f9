//go:build !unix

package export

import "errors"

func mkfifo(path string) error { return errors.New("no named pipes") }
