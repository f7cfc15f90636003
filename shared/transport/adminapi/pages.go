package adminapi

import (
	"encoding/base64"
	"net/url"
	"strings"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
)

// A listing comes in pages, newest first. A page's nextCursor, given back
// as ?cursor=, continues after its last line: the cursor is the store's
// position of the last line looked at (its sort key, which is unique and
// ordered), so a line written meanwhile never shifts a page and none is
// skipped or given twice. It is opaque to a client (base64url).

// page is one page of a listing.
type page[L any] struct {
	Records []L `json:"records"`
	// NextCursor continues the listing; absent at its end. A page may hold
	// fewer lines than the limit (even none) and still have a next one:
	// with filters, one request looks at most at admin.MaxLines lines.
	NextCursor string `json:"nextCursor,omitempty"`
}

// maxCursor bounds a cursor's text (a sort key is about 50 characters).
const maxCursor = 200

var errCursor = apiError(domain.CodeInvalidQuery, "cursor must be a nextCursor from an earlier page")

// cursorOf is the store position a query's cursor names ("" for none).
func cursorOf(q url.Values) (string, error) {
	c := q.Get("cursor")
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(c) > maxCursor || len(b) == 0 || !strings.Contains(string(b), "#") {
		return "", errCursor
	}
	return string(b), nil
}

// cursor is the opaque form of a store position.
func cursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// loginPage is a page of login history in the API's form.
func loginPage(p admin.HistoryPage) page[admin.LoginLine] {
	lp := page[admin.LoginLine]{Records: admin.LoginLines(p.Lines)}
	if p.Next != "" {
		lp.NextCursor = cursor(p.Next)
	}
	return lp
}

// auditPage is a page of the audit trail: full (limit lines), it may have
// a next one.
func auditPage(evs []domain.AuditEvent, limit int) page[admin.AuditLine] {
	p := page[admin.AuditLine]{Records: admin.AuditLines(evs)}
	if len(evs) == limit {
		p.NextCursor = cursor(evs[len(evs)-1].Key)
	}
	return p
}
