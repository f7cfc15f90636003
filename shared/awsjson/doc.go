// Package awsjson calls AWS services over their JSON 1.1 protocol, signed
// with SigV4: the small core our own KMS and EventBridge clients share, in
// place of the SDK's clients and their size.
package awsjson
