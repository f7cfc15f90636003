// Package export writes login history and the audit trail as CSV (with a
// header) or JSON lines, one row per line, streamed, and reads them back.
package export
