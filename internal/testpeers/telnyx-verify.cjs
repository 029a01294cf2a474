// Checks Telnyx webhooks with Telnyx's own library (npm "telnyx"): each
// line on standard input is {"publicKey", "body", "headers"}, and each
// answer line is {"valid", "error"}: whether the client's
// webhooks.unwrap, as Telnyx documents it, accepts that body and those
// headers, and if not, its reason. It prints {"ready": true} first and
// stops when its standard input closes.
const mod = require('telnyx');
const Telnyx = mod.default || mod;
const readline = require('readline');

const rl = readline.createInterface({ input: process.stdin });
const pending = [];
let busy = false;
async function next() {
  if (busy || pending.length === 0) return;
  busy = true;
  const { publicKey, body, headers } = JSON.parse(pending.shift());
  let out;
  try {
    const client = new Telnyx({ apiKey: 'KEY-not-used', publicKey });
    await client.webhooks.unwrap(body, { headers });
    out = { valid: true };
  } catch (err) {
    out = { valid: false, error: String(err && err.message) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  busy = false;
  next();
}
rl.on('line', (line) => { pending.push(line); next(); });
rl.on('close', () => { const wait = () => (busy || pending.length ? setTimeout(wait, 10) : process.exit(0)); wait(); });
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
