// Package backup writes and reads Switchboard's backup archives: a
// consistent copy of the SQLite database taken while the service runs,
// with the secret key that opens its sealed values, in one tar file led by
// a manifest, encrypted with a passphrase (age's scrypt recipient, so the
// age command line opens it too). Without the key the archive is a plain
// tar and the key is kept elsewhere.
//
// The archive, once decrypted, is a tar of regular files in this order:
//
//	manifest.json   the Manifest: format, version, created, schema, checksums
//	switchboard.db  the database (the store's SQLite file)
//	secret.key      the key, in the key file's form (base64, one line); only
//	                when the archive holds the key
//
// The package must not open the store for use: it copies and checks files
// through the store's SnapshotSQLite and CheckSQLite, and never migrates,
// so a restored database is at the schema it was taken at.
package backup
