// Package mail holds the messages the service sends (security tokens) and the
// Mailer they go out through; mail/ses sends them with Amazon SES v2.
package mail
