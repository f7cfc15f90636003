// Package settings is the org and profile settings as named fields: the
// flags lgadmin takes and the JSON members the admin API takes, one table,
// so both set them with the same texts and refuse them with the same codes.
package settings
