// Package digest makes login history tamper-evident: an hourly digest per
// org over that hour's history lines (each line hashed canonically over all
// its stored attributes), chained to the org's previous digest and signed
// with an asymmetric KMS key; and the verification that names the line or
// digest that was changed, removed or added.
package digest
