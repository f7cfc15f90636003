package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// flags makes a FlagSet for a command with --json and a usage text.
func (a *App) flags(name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.BoolVar(&a.json, "json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintf(a.Stdout, "Usage: %s [flags]\n\n", strings.Join(strings.Fields("lgadmin "+name+" "+argsUsage), " "))
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintf(a.Stdout, "%s.\n\nFlags:\n", strings.ToUpper(c.summary[:1])+c.summary[1:])
			}
		}
		fs.SetOutput(a.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(a.Stderr)
	}
	return fs
}

// parse parses flags anywhere on the line and returns the positional
// arguments, checking their count (any count when positional is -1).
func parse(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if positional >= 0 && len(pos) != positional {
		return nil, usageError{fmt.Sprintf("want %d argument(s), got %d", positional, len(pos))}
	}
	return pos, nil
}

// idArg is a flag that names a thing by its id. The convention every
// command follows (said in usage): each id is a flag named for what it
// names, and the one thing a command acts on may also be given as its bare
// argument, so "user show --user X" and "user show X" are the same.
type idArg struct {
	name     string // the flag's name: org, profile, user, app, device
	value    string
	bare     bool // may come as a bare argument instead of the flag
	optional bool
}

var idUsages = map[string]string{
	"org":     "the org's `ORG_ID` (15 or 18 characters)",
	"profile": "the profile's `PROFILE_ID`",
	"user":    "the user's `USERNAME`",
	"app":     "the connected app's `CLIENT_ID`",
	"device":  "a `DEVICE_ID` from lgadmin user devices",
	"session": "a session's `REF` from lgadmin session list",
}

// idFlag registers --name on fs; bare says the id may be the bare argument.
func idFlag(fs *flag.FlagSet, name string, bare bool) *idArg {
	id := &idArg{name: name, bare: bare}
	fs.StringVar(&id.value, name, "", idUsages[name])
	return id
}

// parseIDs parses the command line. Bare arguments fill, in order, the bare
// ids not given as flags; anything left over, and a required id given in
// neither form, is a usage error.
func parseIDs(fs *flag.FlagSet, args []string, ids ...*idArg) error {
	pos, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id.bare && id.value == "" && len(pos) > 0 {
			id.value, pos = pos[0], pos[1:]
		}
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (every id is a flag, e.g. --org ORG_ID; see --help)", pos[0])}
	}
	for _, id := range ids {
		if id.value == "" && !id.optional {
			return usageError{"--" + id.name + " is required"}
		}
	}
	return nil
}
