// Package webui serves the browser: the login, verification-code, TOTP and
// step-up pages, the home page and logout, the settings and setup pages,
// as HTML through API Gateway (payload 2.0), on the login and account use
// cases. Usable without JavaScript; one same-origin script adds the
// idle-timeout prompt.
package webui
