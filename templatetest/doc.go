// Package templatetest keeps the tests an author writes for a template:
// fixtures recorded from a real run (`switchboard template run --record`)
// and replayed by `switchboard template test`.
//
// A fixture is one plain JSON file: what was run (scenario, fields,
// variables), each exchange as it was sent and answered, and what the run
// gave (rows, variables, error). Replaying serves the recorded answers, in
// order, from a local server and checks that the template still sends the
// same requests and reads the same results; a difference is shown as a
// unified diff of both runs written the same readable way. Secrets are
// masked when recorded (the engine's trace masks them) and replaced by
// placeholders when replayed, so fixtures can be kept in a repository.
//
// It owns the fixture format, recording, replaying and comparing. It must
// not reach remote APIs (the replay server listens on 127.0.0.1 only),
// read flags or print: the CLI does that.
package templatetest
