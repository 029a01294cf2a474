// Package auth supplies the credentials an integration's requests carry:
// none, HTTP Basic from the template's Base64EncodedCredential, and access
// tokens for oauth2 and bearertoken templates. It implements
// engine.Authorizer; the engine decides where the headers go.
package auth
