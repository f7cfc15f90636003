// Package store defines the records the service keeps (orgs, profiles, users,
// sessions, login history) and the errors its storage reports. The DynamoDB
// implementation lives in store/dynamo.
package store
