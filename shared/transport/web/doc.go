// Package web is the browser's wire format: the HTML pages, filled from
// embedded templates with shared/markup, their CSS and script, cookies and
// the security headers every answer carries. No business rules.
package web
