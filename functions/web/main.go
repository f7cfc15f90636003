// Command web is the browser login: the login page, the verification-code
// and TOTP pages, the home page, logout and the idle-timeout refresh, and
// the settings and setup pages (security token, password, users).
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"loginguard/shared/account"
	"loginguard/shared/deps"
	"loginguard/shared/login"
	"loginguard/shared/mail/ses"
	"loginguard/shared/transport/web"
)

func main() {
	h, err := build(context.Background(), os.Getenv)
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context, getenv func(string) string) (*web.Handler, error) {
	d, err := deps.Build(ctx, getenv, deps.TOTPKeyring)
	if err != nil {
		return nil, err
	}
	b := &login.Browser{Service: d.Login, Store: d.Store}
	acc := &account.Service{Store: d.Store, Login: d.Login, Rand: d.Login.Rand, Now: d.Login.Now, Params: d.Login.Params, Log: d.Log}
	if d.Config.Sender != "" {
		m, err := ses.New(sesv2.NewFromConfig(d.AWS), d.Config.Sender)
		if err != nil {
			return nil, err
		}
		b.Mailer, acc.Mailer = m, m
	}
	return &web.Handler{Browser: b, Accounts: acc, Users: d.Store, Log: d.Log, Metrics: d.Metrics}, nil
}
