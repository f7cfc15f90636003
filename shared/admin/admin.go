package admin

import (
	"context"
	"io"
	"strings"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
)

// OrgStore keeps orgs and profiles; an update stores the next version and
// copies the settings onto the org's users (domain.ErrPartialSync when some
// keep the old ones).
type OrgStore interface {
	CreateOrg(ctx context.Context, o domain.Org) error
	Org(ctx context.Context, id string) (domain.Org, error)
	UpdateOrg(ctx context.Context, o domain.Org) (domain.Org, error)
	SyncPolicy(ctx context.Context, orgID string) error
	CreateProfile(ctx context.Context, p domain.Profile) error
	Profile(ctx context.Context, orgID, id string) (domain.Profile, error)
	Profiles(ctx context.Context, orgID string) ([]domain.Profile, error)
	UpdateProfile(ctx context.Context, p domain.Profile) (domain.Profile, error)
}

// UserStore keeps users.
type UserStore interface {
	CreateUser(ctx context.Context, u domain.User) error
	User(ctx context.Context, username string) (domain.User, error)
	UsersOfOrg(ctx context.Context, orgID string) ([]domain.User, error)
	Unlock(ctx context.Context, username string) error
	SetActive(ctx context.Context, username string, active bool) (domain.User, error)
	SetTOTPKey(ctx context.Context, username, sealed string) error
	RevokeDevice(ctx context.Context, username, digestOrPrefix string) (string, error)
	RevokeAllDevices(ctx context.Context, username string) error
}

// AppStore keeps connected apps.
type AppStore interface {
	CreateApp(ctx context.Context, a domain.ConnectedApp) error
	Apps(ctx context.Context, orgID string) ([]domain.ConnectedApp, error)
	DeleteApp(ctx context.Context, orgID, clientID string) error
}

// LogStore reads login history and the audit trail, and writes refusals
// to the trail.
type LogStore interface {
	History(ctx context.Context, f domain.HistoryFilter) ([]domain.LoginEvent, error)
	AuditTrailBefore(ctx context.Context, orgID, before string, limit int32) ([]domain.AuditEvent, error)
	Audit(ctx context.Context, ev domain.AuditEvent) error
}

// Store is all an admin reads and writes (a dynamo.Store).
type Store interface {
	OrgStore
	UserStore
	AppStore
	LogStore
}

// Accounts changes credentials, mailed and audited (an account.Service).
type Accounts interface {
	NewUserToken(ctx context.Context, a account.Actor, target domain.User, reason string) error
	ResetToken(ctx context.Context, a account.Actor, target domain.User) error
	ResetPassword(ctx context.Context, a account.Actor, target domain.User, next string) error
	SendResetLink(ctx context.Context, a account.Actor, target domain.User, baseURL string) error
	RememberedPasswords(ctx context.Context, u domain.User) (int, error)
}

// Sealer seals a TOTP key for one user (the TOTP keyring).
type Sealer interface {
	Seal(ctx context.Context, plain, owner string, rnd io.Reader) (string, error)
}

// Service runs admin requests. Each takes the actor asking (CLI for
// lgadmin) and checks first that the actor may (permissions.go).
type Service struct {
	Store    Store
	Accounts Accounts
	Sealer   Sealer // nil when no TOTP keyring is configured
	Rand     io.Reader
	Now      func() time.Time
	Params   secret.Params // of new users' password hashes
	// Sessions lists and ends sessions, and carries settings changes onto
	// live ones.
	Sessions *sessions.Service
}

// The refusals an admin's input can cause. errors.Is matches by code.
var (
	ErrNameRequired = &domain.Error{Code: domain.CodeRequiredField, Message: "a name is required"}
	ErrNoKeyring    = &domain.Error{Code: domain.CodeNoKeyring, Message: "no TOTP keyring is configured"}
)

// invalid is a refusal with its own text.
func invalid(code, msg string) *domain.Error { return &domain.Error{Code: code, Message: msg} }

// CheckName refuses an empty (or blank) name of an org, profile or app.
func CheckName(name string) error {
	if strings.TrimSpace(name) == "" {
		return ErrNameRequired
	}
	return nil
}

// OrgID accepts an org id in its 15- or 18-character form.
func OrgID(s string) string {
	if id, err := ids.To15(s); err == nil {
		return id
	}
	return s
}
