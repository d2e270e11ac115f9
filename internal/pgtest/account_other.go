//go:build !unix

package pgtest

import "os/exec"

// account is unused where processes have no Unix user: the cluster runs as the tests' user.
type account struct{}

func (c *Cluster) dropRoot() error { return nil }
func (c *Cluster) runAs(*exec.Cmd) {}
