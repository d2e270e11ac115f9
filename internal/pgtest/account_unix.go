//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// account is the user and group initdb and postgres run as.
type account struct{ uid, gid int }

// dropRoot makes a cluster started by root run as nobody, who then owns its folder: initdb and
// postgres refuse to run as root.
func (c *Cluster) dropRoot() error {
	if os.Getuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("running as root and no user nobody to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	c.user = &account{uid, gid}
	return os.Chown(c.Dir, uid, gid)
}

// runAs makes cmd run as the cluster's account, if it has one.
func (c *Cluster) runAs(cmd *exec.Cmd) {
	if c.user != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(c.user.uid), Gid: uint32(c.user.gid)}}
	}
}
