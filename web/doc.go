// Package web is Switchboard's console in the browser: the pages admins and
// agents sign in to, rendered from html/template files, with one
// stylesheet and small scripts of its own, all embedded in the binary so
// `go build` alone makes the whole service and nothing is fetched from a
// CDN.
//
// The pages are clients of the HTTP API, with the session cookie and its
// CSRF token: every rule lives behind the API. This package must not hold
// a rule of its own, read the store, or call a domain package; it serves
// files and renders pages, and server mounts it.
package web
