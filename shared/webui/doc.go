// Package webui is the browser side of the service: the login page, the
// verification-code and TOTP pages, the home page and logout, served as
// HTML through API Gateway (payload 2.0). It is usable without JavaScript;
// one small same-origin script adds the idle-timeout prompt.
package webui
