package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// cobra's own command-line errors, reworded in the house style by houseStyle.
var (
	reAtLeast   = regexp.MustCompile(`^requires at least (\d+) arg\(s\), only received (\d+)$`)
	reAccepts   = regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`)
	reNoArgs    = regexp.MustCompile(`^unknown command "([^"]*)" for "([^"]*)"`)
	reSuggested = regexp.MustCompile(`(?s)Did you mean this\?\s*(.*)$`)
)

// houseStyle rewords the command-line errors cobra writes itself ("accepts 1 arg(s), received
// 0") as rebound's other errors are written, and gives every command-line error without a
// hint of its own the hint to read the command's help: cmd is the command that was run.
func houseStyle(cmd *cobra.Command, err error) error {
	if err == nil || cmd == nil {
		return err
	}
	var ce *cliError
	if errors.As(err, &ce) {
		if ce.code == exitUsage && ce.hint == "" {
			return &cliError{code: ce.code, err: ce.err, hint: helpHint(cmd)}
		}
		return err
	}
	if !isUsage(err) {
		return err
	}
	name := strings.TrimPrefix(cmd.CommandPath(), "rebound ")
	arg := "" // the first argument's name in the usage line: "PATH" of "scan PATH..."
	if f := strings.Fields(cmd.Use); len(f) > 1 {
		arg = strings.Trim(f[1], "[].")
	}
	msg := err.Error()
	if m := reAtLeast.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("%s needs %s", name, article(arg))
	} else if m := reAccepts.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("%s needs %s", name, article(arg))
		if m[2] != "0" {
			msg = fmt.Sprintf("%s takes %s %s, not %s", name, m[1], arg, plural(atoi(m[2]), "argument"))
		}
	} else if m := reNoArgs.FindStringSubmatch(msg); m != nil {
		switch {
		case !cmd.HasAvailableSubCommands():
			msg = fmt.Sprintf("%s takes no arguments, got %q", name, m[1])
		case cmd.HasParent():
			msg = fmt.Sprintf("unknown command %q: the commands of %s are %s", m[1], name, subcommands(cmd))
		default:
			msg = fmt.Sprintf("unknown command %q", m[1])
		}
		if s := reSuggested.FindStringSubmatch(err.Error()); s != nil {
			msg += "; did you mean " + strings.Join(strings.Fields(s[1]), " or ") + "?"
		}
	}
	return &cliError{code: exitUsage, err: errors.New(msg), hint: helpHint(cmd)}
}

// article puts "a" or "an" before a placeholder: "a PATH", "an ADDRESS".
func article(s string) string {
	if s != "" && strings.ContainsRune("AEIOUaeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// helpHint points to the help of the command that was run.
func helpHint(cmd *cobra.Command) string {
	return "run '" + cmd.CommandPath() + " --help' for usage"
}

// subcommands lists the names of cmd's commands.
func subcommands(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return strings.Join(names, ", ")
}

// hideGlobalFlags leaves the global flags a command does not use (--db of a command that opens
// no database, ...) out of its help and of its subcommands' help: unused maps a command's path
// ("rebound rules") to the flags' names.
func hideGlobalFlags(root *cobra.Command, unused map[string][]string) {
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		for p := c; p != nil; p = p.Parent() {
			for _, n := range unused[p.CommandPath()] {
				if f := c.InheritedFlags().Lookup(n); f != nil {
					f.Hidden = true
				}
			}
		}
		help(c, args)
	})
}
