package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// Kinds of row.
const (
	KindLogin = "login" // a login-history line (domain.LoginEvent)
	KindAudit = "audit" // an audit-trail line (domain.AuditEvent)
)

// Formats.
const (
	CSV   = "csv"
	JSONL = "jsonl"
)

// Row is one exported line of either kind: the fields of its kind are set,
// the other kind's are empty.
type Row struct {
	Kind string `json:"kind"`
	// ID names the line (LoginEvent.ID, AuditEvent.Key): lgadmin explain --id takes it.
	ID    string    `json:"id,omitempty"`
	At    time.Time `json:"at"`
	OrgID string    `json:"orgId"`
	IP    string    `json:"ip,omitempty"`
	Via   string    `json:"via,omitempty"`
	// A login.
	UserID     string `json:"userId,omitempty"`
	Username   string `json:"username,omitempty"`
	LoginType  string `json:"loginType,omitempty"`
	Client     string `json:"client,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Challenge  string `json:"challenge,omitempty"`
	Allowed    *bool  `json:"allowed,omitempty"`
	// Grounds are what the decision read and its rules' trace, in their
	// stored form (policy.Grounds.Encode; docs/login-history.md), "" for a
	// line stored before they were kept.
	Grounds string `json:"grounds,omitempty"`
	// An audit line.
	ActorID  string `json:"actorId,omitempty"`
	Actor    string `json:"actor,omitempty"`
	TargetID string `json:"targetId,omitempty"`
	Target   string `json:"target,omitempty"`
	Action   string `json:"action,omitempty"`
	Outcome  string `json:"outcome,omitempty"`
}

// LoginRow is e as a row.
func LoginRow(e domain.LoginEvent) Row {
	allowed := e.Allowed
	grounds := ""
	if !e.Grounds.IsZero() {
		grounds = e.Grounds.Encode()
	}
	return Row{Kind: KindLogin, ID: e.ID, Grounds: grounds, At: e.At.UTC(), OrgID: e.OrgID, IP: e.IP, Via: e.Via, UserID: e.UserID, Username: e.Username,
		LoginType: e.LoginType, Client: e.Client, APIVersion: e.APIVersion, Reason: e.Reason, Challenge: e.Challenge, Allowed: &allowed}
}

// AuditRow is e as a row.
func AuditRow(e domain.AuditEvent) Row {
	return Row{Kind: KindAudit, ID: e.Key, At: e.At.UTC(), OrgID: e.OrgID, IP: e.IP, Via: e.Via, ActorID: e.ActorID, Actor: e.Actor,
		TargetID: e.TargetID, Target: e.Target, Action: e.Action, Outcome: e.Outcome}
}

// Login is a login row's event.
func (r Row) Login() (domain.LoginEvent, error) {
	e := domain.LoginEvent{ID: r.ID, At: r.At, OrgID: r.OrgID, UserID: r.UserID, Username: r.Username, IP: r.IP, LoginType: r.LoginType,
		Client: r.Client, APIVersion: r.APIVersion, Reason: r.Reason, Via: r.Via, Challenge: r.Challenge, Allowed: r.Allowed != nil && *r.Allowed}
	if r.Grounds != "" {
		g, err := policy.ParseGrounds(r.Grounds)
		if err != nil {
			return domain.LoginEvent{}, fmt.Errorf("grounds: %w", err)
		}
		e.Grounds = g
	}
	return e, nil
}

// Audit is an audit row's event.
func (r Row) Audit() domain.AuditEvent {
	return domain.AuditEvent{Key: r.ID, At: r.At, OrgID: r.OrgID, ActorID: r.ActorID, Actor: r.Actor, TargetID: r.TargetID,
		Target: r.Target, Action: r.Action, Outcome: r.Outcome, IP: r.IP, Via: r.Via}
}

// Header is the CSV header, the columns in order.
var Header = []string{"kind", "id", "at", "orgId", "userId", "username", "ip", "loginType", "client", "apiVersion", "reason",
	"via", "challenge", "allowed", "grounds", "actorId", "actor", "targetId", "target", "action", "outcome"}

// Guard keeps a spreadsheet from reading a cell as a formula (OWASP's CSV
// injection): one starting with = + - @, a tab or a carriage return gets a
// leading '. A user name tried and a client's user agent are anyone's
// text. It is for files people open (the console's Login History
// download); an export that is read back uses escapeCell.
func Guard(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// escapeCell is Guard made reversible: a cell that starts with ' gets one
// more, so unescapeCell (one leading ' off) gives every cell back.
func escapeCell(s string) string {
	if strings.HasPrefix(s, "'") {
		return "'" + s
	}
	return Guard(s)
}

func unescapeCell(s string) string { return strings.TrimPrefix(s, "'") }

func (r Row) record() []string {
	allowed := ""
	if r.Allowed != nil {
		allowed = strconv.FormatBool(*r.Allowed)
	}
	rec := []string{r.Kind, r.ID, r.At.UTC().Format(time.RFC3339Nano), r.OrgID, r.UserID, r.Username, r.IP, r.LoginType, r.Client,
		r.APIVersion, r.Reason, r.Via, r.Challenge, allowed, r.Grounds, r.ActorID, r.Actor, r.TargetID, r.Target, r.Action, r.Outcome}
	for i := range rec {
		rec[i] = escapeCell(rec[i])
	}
	return rec
}

func fromRecord(rec []string) (Row, error) {
	if len(rec) != len(Header) {
		return Row{}, fmt.Errorf("want %d columns, got %d", len(Header), len(rec))
	}
	for i := range rec {
		rec[i] = unescapeCell(rec[i])
	}
	at, err := time.Parse(time.RFC3339Nano, rec[2])
	if err != nil {
		return Row{}, fmt.Errorf("at: %w", err)
	}
	r := Row{Kind: rec[0], ID: rec[1], At: at, OrgID: rec[3], UserID: rec[4], Username: rec[5], IP: rec[6], LoginType: rec[7], Client: rec[8],
		APIVersion: rec[9], Reason: rec[10], Via: rec[11], Challenge: rec[12], Grounds: rec[14], ActorID: rec[15], Actor: rec[16],
		TargetID: rec[17], Target: rec[18], Action: rec[19], Outcome: rec[20]}
	if rec[13] != "" {
		b, err := strconv.ParseBool(rec[13])
		if err != nil {
			return Row{}, fmt.Errorf("allowed: %w", err)
		}
		r.Allowed = &b
	}
	return r, nil
}

// Writer streams rows in one format.
type Writer struct {
	csv  *csv.Writer
	json *json.Encoder
	buf  *bufio.Writer
}

// NewWriter writes rows to w in format (CSV, with the header first, or
// JSONL).
func NewWriter(w io.Writer, format string) (*Writer, error) {
	buf := bufio.NewWriter(w)
	switch format {
	case CSV:
		cw := csv.NewWriter(buf)
		if err := cw.Write(Header); err != nil {
			return nil, err
		}
		return &Writer{csv: cw, buf: buf}, nil
	case JSONL:
		return &Writer{json: json.NewEncoder(buf), buf: buf}, nil
	}
	return nil, fmt.Errorf("format %q: want csv or jsonl", format)
}

// Write writes one row.
func (w *Writer) Write(r Row) error {
	if w.csv != nil {
		return w.csv.Write(r.record())
	}
	return w.json.Encode(r)
}

// Close flushes what is buffered.
func (w *Writer) Close() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
	}
	return w.buf.Flush()
}

// Read parses an export in format back into rows.
func Read(r io.Reader, format string) ([]Row, error) {
	var rows []Row
	switch format {
	case CSV:
		cr := csv.NewReader(r)
		head, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("csv header: %w", err)
		}
		if len(head) != len(Header) || head[0] != Header[0] {
			return nil, fmt.Errorf("csv header %v: want %v", head, Header)
		}
		for n := 2; ; n++ {
			rec, err := cr.Read()
			if err == io.EOF {
				return rows, nil
			}
			if err != nil {
				return nil, err
			}
			row, err := fromRecord(rec)
			if err != nil {
				return nil, fmt.Errorf("csv line %d: %w", n, err)
			}
			rows = append(rows, row)
		}
	case JSONL:
		dec := json.NewDecoder(r)
		for n := 1; dec.More(); n++ {
			var row Row
			if err := dec.Decode(&row); err != nil {
				return nil, fmt.Errorf("json line %d: %w", n, err)
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	return nil, fmt.Errorf("format %q: want csv or jsonl", format)
}
