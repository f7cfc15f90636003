// Package domain is the service's domain: the records it keeps (orgs,
// profiles, users, sessions, challenges, login history, the audit trail,
// connected apps, keyrings) and the errors that say what became of them.
// It does no I/O; store/dynamo keeps the records in DynamoDB.
package domain
