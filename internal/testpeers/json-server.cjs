// Starts json-server 0.17 (a generic REST API no one here wrote) on a free
// 127.0.0.1 port over the database file given as the first argument. It
// prints {"url": …} when ready and stops when its standard input closes.
const jsonServer = require('json-server');

const server = jsonServer.create();
server.use(jsonServer.defaults({ logger: false }));
server.use(jsonServer.router(process.argv[2]));
const listener = server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${listener.address().port}` }) + '\n');
});
process.stdin.on('end', () => listener.close(() => process.exit(0)));
process.stdin.resume();
