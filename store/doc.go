// Package store keeps Overtime's data in one embedded DuckDB file: the
// collected activity events, the identities seen, the per-source sync cursors
// and the analysis tables derived from them. It is the only package that
// talks to DuckDB.
package store
