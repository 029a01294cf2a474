// Sends SMS with Telesign's own library (npm "telesignsdk"), so tests can
// compare the request Switchboard's template makes with the one Telesign's
// client makes: each line on standard input is {"customerId", "apiKey",
// "endpoint", "phoneNumber", "message", "messageType", "authMethod"}
// ("Basic" or "HMAC-SHA256"), and each answer line is {"sent": true} once
// the endpoint answered, or {"error"} when it could not be reached (the
// library does not pass the HTTP status on). It prints {"ready": true}
// first and stops when its standard input closes.
const TeleSign = require('telesignsdk');
const readline = require('readline');

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const r = JSON.parse(line);
  const client = new TeleSign(r.customerId, r.apiKey, r.endpoint);
  const params = { phone_number: r.phoneNumber, message: r.message, message_type: r.messageType };
  client.sms.execute((err, res) => {
    if (err) {
      process.stdout.write(JSON.stringify({ error: String(err && (err.message || err)) }) + '\n');
      return;
    }
    process.stdout.write(JSON.stringify({ sent: true }) + '\n');
  }, 'POST', '/v1/messaging', params, r.authMethod);
});
rl.on('close', () => setTimeout(() => process.exit(0), 100));
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
