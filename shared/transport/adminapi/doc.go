// Package adminapi is the admin API: JSON under /services/admin/v1 behind
// the session authorizer, on the admin use case lgadmin runs, so both
// apply one set of rules and refuse with one set of error codes.
package adminapi
