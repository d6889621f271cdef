// The server of chapter 6's syscall experiments: every POST /entries appends one record to a
// journal file with pwrite. A failed write is answered with 503 and counted, not crashed on.
import { openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, journalPath] = [Number(process.argv[2]), process.argv[3]];
const fd = openSync(journalPath, 'a+');
let position = 0;
const stats = { written: 0, storageErrors: 0, lastError: null };

const server = createServer((request, response) => {
  if (request.url === '/health')
    return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  if (request.url !== '/entries') return response.writeHead(404).end();
  const record = Buffer.from(`${new Date().toISOString()} entry ${stats.written + 1}\n`);
  try {
    position += writeSync(fd, record, 0, record.length, position);
    stats.written += 1;
    response.writeHead(201).end('stored\n');
  } catch (error) {
    stats.storageErrors += 1;
    stats.lastError = error.code;
    response.writeHead(503).end(`storage unavailable: ${error.code}\n`);
  }
});
// Port 0 picks a free port; this line says which.
server.listen(port, '127.0.0.1', () =>
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`),
);
