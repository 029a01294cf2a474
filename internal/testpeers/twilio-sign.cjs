// Signs webhooks the way Twilio does, with Twilio's own library (npm
// "twilio"): each line on standard input is {"authToken", "url", "params"},
// and each answer line is {"signature", "valid"}, where valid is the
// library's own check of that signature. It prints {"ready": true} first
// and stops when its standard input closes.
const twilio = require('twilio');
const readline = require('readline');

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { authToken, url, params } = JSON.parse(line);
  const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
  const valid = twilio.validateRequest(authToken, signature, url, params);
  process.stdout.write(JSON.stringify({ signature, valid }) + '\n');
});
rl.on('close', () => process.exit(0));
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
