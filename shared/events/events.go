package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Source is every event's source.
const Source = "loginguard"

// Detail types.
const (
	Lockout           = "loginguard.Lockout"           // failed attempts reached the org's maximum
	Unlock            = "loginguard.Unlock"            // an admin ended a lockout
	TokenReset        = "loginguard.TokenReset"        // a new security token was issued and mailed
	SessionRevocation = "loginguard.SessionRevocation" // sessions were ended before their time
)

// Reasons.
const (
	ReasonMaxAttempts           = "MAX_INVALID_ATTEMPTS"            // Lockout: the org's maximum of invalid attempts
	ReasonMaxAttemptsUnfamiliar = "MAX_INVALID_ATTEMPTS_UNFAMILIAR" // Lockout: the maximum from unfamiliar places
	ReasonAdminUnlock           = "ADMIN_UNLOCK"                    // Unlock
	ReasonSelfService           = "SELF_SERVICE"                    // TokenReset: the user's own request
	ReasonAdminReset            = "ADMIN_RESET"                     // TokenReset: an admin's
	ReasonEndOne                = "END_SESSION"                     // SessionRevocation: one session
	ReasonEndAll                = "END_ALL_SESSIONS"                // SessionRevocation: every session of the user
	ReasonEndOthers             = "END_OTHER_SESSIONS"              // SessionRevocation: all but the caller's
	ReasonDeactivated           = "USER_DEACTIVATED"                // SessionRevocation: the user was deactivated
	ReasonPasswordSet           = "PASSWORD_SET"                    // SessionRevocation: a new password ended the others
	ReasonAppDeleted            = "APP_DELETED"                     // SessionRevocation: a connected app's (no user: Username empty)
)

// Event is one security event. Its Detail is what a subscriber reads:
// who, when, why; never a secret (no password, token, code or session id).
type Event struct {
	Type   string // the detail type (Lockout, ...)
	Detail Detail
}

// Detail is an event's JSON detail.
type Detail struct {
	OrgID    string    `json:"orgId"`
	UserID   string    `json:"userId"`
	Username string    `json:"username"`
	Time     time.Time `json:"time"`
	Reason   string    `json:"reason"`
	// Actor is who made the change (an admin's user name, "admin CLI"),
	// empty when the system did (a lockout) or the user themself.
	Actor string `json:"actor,omitempty"`
	// LockedUntil (Lockout) is when the lock ends; absent when it lasts
	// until an admin unlocks.
	LockedUntil *time.Time `json:"lockedUntil,omitempty"`
	// Sessions (SessionRevocation) is how many sessions ended.
	Sessions int `json:"sessions,omitempty"`
}

// JSON is the detail as published.
func (e Event) JSON() ([]byte, error) { return json.Marshal(e.Detail) }

// Publisher publishes events.
type Publisher interface {
	Publish(ctx context.Context, e Event) error
}

// Emit publishes e with p (nothing when p is nil); a failure is logged
// and goes no further: the change it reports is stored already.
func Emit(ctx context.Context, p Publisher, log *slog.Logger, e Event) {
	if p == nil {
		return
	}
	if err := p.Publish(ctx, e); err != nil {
		if log == nil {
			log = slog.Default()
		}
		log.ErrorContext(ctx, "security event not published", "type", e.Type, "org_id", e.Detail.OrgID,
			"user_id", e.Detail.UserID, "error", err.Error())
	}
}

// Log is the local publisher: each event is one structured log line
// ("security event", its type, source, bus and detail). Noted, when set,
// is told of each, as the AWS call it stands in for (the end-to-end IAM
// check counts it).
type Log struct {
	Log   *slog.Logger
	Bus   string
	Noted func(bus string)
}

// Publish implements Publisher.
func (l Log) Publish(ctx context.Context, e Event) error {
	detail, err := e.JSON()
	if err != nil {
		return err
	}
	l.Log.InfoContext(ctx, "security event", "source", Source, "detail_type", e.Type, "bus", l.Bus,
		"detail", json.RawMessage(detail))
	if l.Noted != nil {
		l.Noted(l.Bus)
	}
	return nil
}
