// Package apiversion is the one list of the Salesforce API versions this
// service serves, read by the SOAP login ("/services/Soap/u/NN.0") and the
// REST identity resources ("/services/data/vNN.0").
package apiversion
