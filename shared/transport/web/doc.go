// Package web serves the browser through API Gateway (payload 2.0): the
// login, verification-code, TOTP and step-up pages, the home page and
// logout, the settings and setup pages (handler.go, settings.go), on the
// login and account use cases. The wire format beside them (pages.go,
// *.templ, http.go: HTML from templ templates, cookies, the security
// headers every answer carries) holds no business rules and is tested
// without a database. Usable without JavaScript; one same-origin script
// adds the idle-timeout prompt.
package web
