// Package dynamo keeps the store's records in DynamoDB. Every write that must
// be atomic is one conditional write to one item (no transactions: they cost
// twice, and the local stand-in has none).
package dynamo
