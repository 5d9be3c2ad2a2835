// Package store is the PBX's SQLite database in data_dir (modernc.org/sqlite,
// pure Go, WAL): registrar bindings, call detail records and generated
// secrets. Every call takes a context. A restart keeps unexpired bindings.
package store
