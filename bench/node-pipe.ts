import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * The simplest TCP proxy Node can run: net.createServer, net.connect and pipe() both ways, in its
 * own process. Not a product: the floor any Node proxy starts from, so the short-connection rows
 * show what is Node's cost per connection and what is faultline's.
 */
export const nodePipeSource = `
const net = require('node:net');
const upstreamPort = Number(process.argv[1]);
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

export async function startNodePipe(
  upstreamPort: number,
): Promise<{ port: number; pid: number; stop(): void }> {
  const child = spawn(process.execPath, ['-e', nodePipeSource, String(upstreamPort)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(String(line).trim()),
    pid: child.pid!,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    },
  };
}
