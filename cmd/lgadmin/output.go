package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"loginguard/shared/settings"
	"strings"
	"text/tabwriter"
)

func (a *App) printJSON(v any) {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// show prints v as JSON with --json, else as "key: value" lines in order.
func (a *App) show(v any, fields [][2]string) {
	if a.json {
		a.printJSON(v)
		return
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 1, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	tw.Flush()
}

// showText prints v as JSON with --json, else as its own text (an
// explanation, a replay).
func (a *App) showText(v interface{ Text() string }) error {
	if a.json {
		a.printJSON(v)
		return nil
	}
	_, err := io.WriteString(a.Stdout, v.Text())
	return err
}

func (a *App) readSecretLine() (string, error) {
	line, err := bufio.NewReader(a.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// view and shown are a record as show prints it (the settings' own view,
// so the admin API shows the same members).
type (
	view  = settings.View
	shown = settings.Shown
)
