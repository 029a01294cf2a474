// Package messaging is Switchboard's messaging side (DESIGN §5). It owns
// the whole domain of channels and conversations:
//
//   - channel templates — an SMS or WhatsApp provider described like any
//     other integration — read into Definitions: how webhooks are verified,
//     parsed and answered, the channel's rules, what the provider's errors
//     mean;
//   - channels: their rules (name, rate, idle time, settings, numbers in
//     E.164 routed to an existing extension or queue, one channel per
//     number), their creation, change and deletion, their connection check;
//   - conversations: sessions, who may see and answer them, keywords
//     (STOP, START, HELP), the outbound queue sent in order at each
//     channel's rate by one sender per channel across replicas, delivery
//     reports, media, history.
//
// Its Service is built with the store and an Integrations: the runtime of
// connected templates, which compiles templates, builds each integration's
// engine client (one concurrency limit per integration, whoever sends) and
// checks field values. Messaging must not serve HTTP or know its status
// codes (server maps Problems to them), compile templates or build engine
// clients and limiters of its own, or import the integrations package: it
// depends on the small Integrations interface alone.
package messaging
