// Package accounts owns the people who sign in to Switchboard's web
// console: their accounts (name, e-mail, role, an agent's extension),
// their passwords (argon2id hashes; the password itself is never kept or
// logged), web sessions with their CSRF tokens and expiry, sign-in
// throttling, and the one-time setup token that creates the first admin.
//
// It must not serve HTTP (cookies, headers and status codes are
// server's) or know about calls, conversations or messaging; API tokens
// for machines stay server's too.
package accounts
