// Package e2e holds the end-to-end tests: the real function binaries under
// the Lambda Runtime Interface Emulator behind cmd/local, dynalite, and
// unmodified clients (jsforce) driving them over HTTP.
package e2e
