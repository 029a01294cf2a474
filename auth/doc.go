// Package auth supplies the credentials an integration's requests carry:
// none, HTTP Basic from the template's Base64EncodedCredential, and access
// tokens for oauth2 and bearertoken templates. It implements
// engine.Authorizer; the engine decides where the headers go.
//
// Tokens are kept through a TokenStore: in memory, in a file for the
// command line, or in the service's database through DatabaseTokens, where
// the replicas take turns renewing a token under the database's lease.
// auth does not import the store: it defines TokenDatabase, which the
// store satisfies, and the token's format (its JSON) is auth's own.
//
// It must not send a template's requests (the engine does), decide when an
// integration counts as failed (integrations does), or import the store.
package auth
