// One FizzBuzz API instance (the book's faas001_a and faas001_b): GET /api/v1/ answers {"FizzBuzz": true}.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const server = createServer((request, response) => {
  if (request.url !== '/api/v1/') return response.writeHead(404).end();
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"FizzBuzz": true}');
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  process.stderr.write(`FizzBuzz API instance on ${port} exiting, exit code 143\n`);
  process.exit(143);
});
