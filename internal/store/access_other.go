//go:build !unix

package store

// alignSideFiles does nothing where file owners and modes are not Unix ones.
func alignSideFiles(abs string) {}

// accessProblem finds nothing where file owners and modes are not Unix ones.
func accessProblem(path string, write bool) (detail, hint string, ok bool) { return "", "", false }

// MayWrite is true where file owners are not Unix ones.
func MayWrite(path string) bool { return true }
