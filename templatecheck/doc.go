// Package templatecheck holds a template to a vendor's published API
// contract (an OpenAPI document) before a customer's calls hit it: it runs
// every scenario of the template through the engine against a stand-in
// for the vendor that answers from the contract, with realistic sample
// values for every variable, and reports each request the contract would
// refuse (method and path, query, headers, content type, body schema) and
// each output whose path the operation's 2xx answer cannot have — at the
// template's line and column.
//
// It owns the checking and the stand-in; it must not read files or flags
// (the CLI and tests give it the documents' bytes), send anything over the
// network, or store anything.
package templatecheck
