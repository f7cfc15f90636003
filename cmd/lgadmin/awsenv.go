package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// credentialTimeout bounds the up-front credential check. Every source but
// the EC2 instance role is local (environment, files) or answers in well
// under a second; an instance role's metadata service answers in
// milliseconds on EC2, and elsewhere its address may not answer at all.
const credentialTimeout = 2 * time.Second

// checkAWS says in one line what AWS configuration is missing before the
// first call. Without it the SDK signs nothing, asks the EC2 metadata
// service for a role, and each command fails with a chain of SDK errors.
func (a *App) checkAWS(ctx context.Context, cfg aws.Config) error {
	var missing []string
	if cfg.Region == "" {
		missing = append(missing, "no region (AWS_REGION, or a region in the AWS_PROFILE's config)")
		// Without a region nothing works anyway: do not wait on a metadata
		// service to say whether a role exists, say what is visibly missing.
		if !a.credentialSourceConfigured() {
			missing = append(missing, "no credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role)")
		}
	} else {
		cctx, cancel := context.WithTimeout(ctx, credentialTimeout)
		defer cancel()
		if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
			missing = append(missing, "no credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role)")
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("AWS is not configured: %s; for the local stack of make run, use: make admin ARGS=%q",
		strings.Join(missing, " and "), a.commandLine)
}

// credentialSourceConfigured tells whether any credential source other
// than the instance role is set up, without resolving it.
func (a *App) credentialSourceConfigured() bool {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		if a.Getenv(k) != "" {
			return true
		}
	}
	files := []string{a.Getenv("AWS_SHARED_CREDENTIALS_FILE"), a.Getenv("AWS_CONFIG_FILE")}
	if home := a.Getenv("HOME"); home != "" {
		files = append(files, filepath.Join(home, ".aws", "credentials"), filepath.Join(home, ".aws", "config"))
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err == nil {
			return true
		}
	}
	return false
}
