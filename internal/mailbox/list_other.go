//go:build !linux

package mailbox

import (
	"io"
	"os"
	"strings"
)

// readDirents reads the entries of the open directory f not starting with ".", in the order
// the file system gives them (list_linux.go reads them from the system call's records).
func readDirents(f *os.File) ([]dirent, error) {
	var list []dirent
	for {
		ents, err := f.ReadDir(4096)
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				list = append(list, dirent{e.Name(), e.Type()})
			}
		}
		if err == io.EOF {
			return list, nil
		}
		if err != nil {
			return list, err
		}
	}
}
