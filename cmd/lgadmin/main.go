// Command lgadmin is the operator CLI: orgs, profiles, users, lockout,
// security tokens and login history, over the same DynamoDB tables and SES
// sender the functions use.
package main

import (
	"context"
	"crypto/rand"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	app := &App{
		Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Rand: rand.Reader, Now: time.Now,
	}
	os.Exit(app.Run(ctx, os.Args[1:]))
}
