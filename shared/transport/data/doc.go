// Package data serves the identity part of Salesforce's REST API that OAuth
// clients (the Salesforce CLI, jsforce) read after logging in: the versions,
// a version's resources, the User record and two fixed queries.
package data
