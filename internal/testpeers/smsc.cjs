// An SMSC for tests: node-smpp 0.5.1 (npm "smpp") in server mode on
// 127.0.0.1. The first argument is a JSON object {"accounts": {system_id:
// password}, "key": path, "cert": path}; key and cert make it serve SMPP
// over TLS. It prints {"ready": {"port": N}} once listening, then one line
// per PDU a client sent ({"pdu": {…}}), {"unbound": session} when a bound
// session ends, and {"reply": {"id", "status", "error"}} for each request
// line ({"id", "op": "fail" | "deliver" | "stop" | "restart", …}) read from
// standard input. It stops when its standard input closes.
const fs = require('fs');
const readline = require('readline');
const smpp = require('smpp');

const config = JSON.parse(process.argv[2]);
const tlsOptions = config.key ? { key: fs.readFileSync(config.key), cert: fs.readFileSync(config.cert) } : {};

// node-smpp decodes short_message into {udh: [IEs], message: text} and
// throws the raw octets away; tests need the octets exactly as sent, so
// submit_sm keeps them as a Buffer and is decoded below instead.
delete smpp.commands.submit_sm.params.short_message.filter;

const ESME_RINVBNDSTS = 0x04;
const ESME_RALYBND = 0x05;
const ESME_RINVCMDID = 0x03;
const ESME_RINVPASWD = 0x0e;
const UDHI = 0x40;

let server = null;
let port = 0;
let sessionCount = 0;
let messageCount = 0;
let failing = { status: 0, n: 0 };
const sockets = new Set(); // every open TCP connection, bound or not
const sessions = []; // open sessions, oldest first

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// decodeText uses node-smpp's own decoders. Its "ASCII" encoding is GSM
// 03.38 and it uses it for data_coding 1 as well, which would turn an IA5
// '@' or '_' into '¡' or '§'; data_coding 1 is plain ASCII here.
function decodeText(dataCoding, octets) {
  switch (dataCoding) {
    case 0: return smpp.encodings.ASCII.decode(octets);
    case 1: return octets.toString('ascii');
    case 3: return smpp.encodings.LATIN1.decode(octets);
    case 8: return smpp.encodings.UCS2.decode(octets);
    default: return '';
  }
}

function encodeText(charset, text) {
  switch (charset) {
    case 'GSM7': return { dataCoding: 0, octets: smpp.encodings.ASCII.encode(text) };
    case 'LATIN1': return { dataCoding: 3, octets: smpp.encodings.LATIN1.encode(text) };
    case 'UCS2': return { dataCoding: 8, octets: smpp.encodings.UCS2.encode(text) };
    default: throw new Error(`unknown charset ${JSON.stringify(charset)}`);
  }
}

function record(session, pdu, extra) {
  const out = {
    session: session.n,
    command: pdu.command,
    command_id: pdu.command_id,
    sequence_number: pdu.sequence_number,
    command_status: pdu.command_status,
  };
  for (const key of ['system_id', 'password', 'system_type', 'service_type', 'source_addr_ton', 'source_addr_npi',
    'source_addr', 'dest_addr_ton', 'dest_addr_npi', 'destination_addr', 'esm_class', 'registered_delivery', 'data_coding']) {
    if (pdu[key] !== undefined && pdu[key] !== null) out[key] = pdu[key];
  }
  if (Buffer.isBuffer(pdu.short_message)) {
    const sm = pdu.short_message;
    const udhLength = (pdu.esm_class & UDHI) && sm.length ? Math.min(sm[0] + 1, sm.length) : 0;
    out.short_message = sm.toString('hex');
    out.udh = sm.subarray(0, udhLength).toString('hex');
    out.text = decodeText(pdu.data_coding, sm.subarray(udhLength));
  }
  emit({ pdu: Object.assign(out, extra) });
}

function unbind(session) {
  if (!session.bind) return;
  session.bind = null;
  emit({ unbound: session.n });
}

function onBind(session, pdu) {
  let status = 0;
  if (session.bind) status = ESME_RALYBND;
  else if (!Object.hasOwn(config.accounts, pdu.system_id) || config.accounts[pdu.system_id] !== pdu.password) {
    status = ESME_RINVPASWD;
  }
  record(session, pdu, { bind_status: status });
  if (status) {
    // node-smpp sends an error response as a bare 16-octet header.
    session.send(pdu.response({ command_status: status }));
    if (status === ESME_RINVPASWD) session.close();
    return;
  }
  session.bind = pdu.command;
  session.send(pdu.response({ system_id: 'smsc' }));
}

function onSubmit(session, pdu) {
  let status = 0;
  if (session.bind !== 'bind_transmitter' && session.bind !== 'bind_transceiver') status = ESME_RINVBNDSTS;
  else if (failing.n > 0) {
    failing.n--;
    status = failing.status;
  }
  const messageId = status ? '' : `m${++messageCount}`;
  record(session, pdu, { message_id: messageId, answer_status: status });
  session.send(pdu.response(status ? { command_status: status } : { message_id: messageId }));
}

function onPDU(session, pdu) {
  if (pdu.isResponse()) {
    record(session, pdu); // the deliver_sm's callback answers the request
    return;
  }
  switch (pdu.command) {
    case 'bind_transceiver':
    case 'bind_transmitter':
    case 'bind_receiver':
      onBind(session, pdu);
      return;
    case 'submit_sm':
      onSubmit(session, pdu);
      return;
    case 'enquire_link':
      record(session, pdu);
      session.send(pdu.response());
      return;
    case 'unbind':
      record(session, pdu);
      unbind(session);
      session.send(pdu.response());
      session.close();
      return;
    default: // generic_nack for an unknown command id
      record(session, pdu);
      session.send(pdu.response({ command_status: ESME_RINVCMDID }));
  }
}

function onSession(session) {
  session.n = ++sessionCount;
  session.bind = null;
  session.pending = new Set(); // deliver_sm callbacks still waiting
  sessions.push(session);
  session.on('pdu', (pdu) => onPDU(session, pdu));
  session.on('error', (err) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error(`smsc: session ${session.n}: ${err.message}`);
    session.destroy();
  });
  session.socket.on('close', () => {
    sessions.splice(sessions.indexOf(session), 1);
    unbind(session);
    for (const fail of session.pending) fail(new Error(`session ${session.n} closed before its deliver_sm_resp`));
  });
}

// listen serves on port (0 the first time: any free one), keeping the
// listening server only once it listens.
function listen(done) {
  const next = smpp.createServer(tlsOptions, onSession);
  next.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const failed = (err) => done(err);
  next.once('error', failed);
  next.listen(port, '127.0.0.1', () => {
    next.removeListener('error', failed);
    next.on('error', (err) => console.error(`smsc: ${err.message}`));
    server = next;
    port = server.address().port;
    done(null);
  });
}

// stop goes away as an SMSC that crashed would: the port closed and every
// socket destroyed without unbind, done once all are closed. The port
// closes first so that a client reconnecting the moment it loses its
// socket is refused rather than let into the dying listener's backlog.
function stop(done) {
  const open = [...sockets, ...sessions.map((s) => s.socket)].filter((s) => !s.closed);
  let waiting = open.length + 1;
  const oneClosed = () => { if (--waiting === 0) done(null); };
  server.close(oneClosed);
  for (const socket of open) {
    socket.once('close', oneClosed);
    socket.destroy();
  }
}

function deliver(req, done) {
  const session = sessions.filter((s) => s.bind === 'bind_receiver' || s.bind === 'bind_transceiver').pop();
  if (!session) throw new Error('no receiver or transceiver session is bound');
  const { dataCoding, octets } = encodeText(req.charset, req.text);
  const udh = Buffer.from(req.udh || '', 'hex');
  const shortMessage = Buffer.concat([udh, octets]);
  if (shortMessage.length > 254) throw new Error(`short_message of ${shortMessage.length} octets`);
  const options = {
    source_addr_ton: req.source_ton,
    source_addr_npi: req.source_npi,
    source_addr: req.source,
    dest_addr_ton: req.dest_ton,
    dest_addr_npi: req.dest_npi,
    destination_addr: req.destination,
    esm_class: req.esm_class | (udh.length ? UDHI : 0),
    // Set here because node-smpp labels its GSM 03.38 text data_coding 1.
    data_coding: dataCoding,
    short_message: shortMessage,
  };
  if (req.receipted_message_id) options.receipted_message_id = req.receipted_message_id;
  if (req.message_state) options.message_state = req.message_state;
  const fail = (err) => done(err);
  const sent = session.deliver_sm(options, (resp) => {
    session.pending.delete(fail);
    done(null, resp.command_status);
  });
  if (!sent) throw new Error(`session ${session.n} is not writable`);
  session.pending.add(fail);
}

function handle(req) {
  const reply = (err, status) => emit({ reply: { id: req.id, status: status || 0, error: err ? err.message : '' } });
  try {
    switch (req.op) {
      case 'fail':
        failing = { status: req.status, n: req.n };
        reply(null);
        return;
      case 'deliver':
        deliver(req, reply);
        return;
      case 'stop':
        stop(reply);
        return;
      case 'restart':
        listen(reply);
        return;
      default:
        throw new Error(`unknown op ${JSON.stringify(req.op)}`);
    }
  } catch (err) {
    reply(err);
  }
}

listen((err) => {
  if (err) throw err;
  emit({ ready: { port } });
});
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => handle(JSON.parse(line)));
rl.on('close', () => process.exit(0));
