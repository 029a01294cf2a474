// Package smpp is Switchboard's SMPP 3.4 client (an ESME) for channels whose
// template says Transport="smpp": the customer's own SMSC, bound over TCP
// or TLS (DESIGN §5, the Genesys "bring your own SMS" seed).
//
// It owns the protocol: binds (transceiver, transmitter, receiver, or a
// transmitter and a receiver as a pair) with their keep-alive, submit_sm
// with the charset fallback and UDH concatenation, submit_sm_resp matched to
// its request, deliver_sm read into messages and delivery receipts and
// answered. It rides on github.com/linxGnu/gosmpp for the PDUs and the
// connection's loops.
//
// It must not know channels, sessions, the store or templates: messaging
// decides when to bind (the replica holding the channel's sender lease),
// what to send and what an incoming message or receipt means, and keeps
// everything durable. A Link ends when its connection does; reconnecting
// with backoff is the caller's.
package smpp
