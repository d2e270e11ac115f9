//go:build !unix

package export

import (
	"errors"
	"io/fs"
	"os"
)

// ErrOwner is wrapped by the error of a file whose owner or group a replacement cannot keep.
var ErrOwner = errors.New("cannot keep the owner and group of the file")

// keepOwner does nothing where files have no Unix owner.
func keepOwner(f *os.File, old fs.FileInfo) error { return nil }
