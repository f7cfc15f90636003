// Package events is the security events a SIEM can subscribe to: a
// lockout, an unlock, a token reset, a session revocation, each published
// once its change is stored (EventBridge in AWS, the log locally). A failed
// publish never fails the change: it is logged.
package events
