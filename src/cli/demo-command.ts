import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { listenControl } from './listen.js';
import { startServer, stopOnSignals } from './server-command.js';

const demoConfig = fileURLToPath(new URL('../../../examples/demo/faultline.yaml', import.meta.url));
const DEMO_UPSTREAM_PORT = 20002;

function tryIt(api: string): string {
  return `
faultline demo is running. Try it:

  curl -s http://127.0.0.1:20000/     # through proxy "demo": no toxics
  curl -s http://127.0.0.1:20001/     # through proxy "demo_slow": a 250 ms ± 50 ms latency toxic

  curl -s ${api}/proxies               # the Toxiproxy API; any Toxiproxy client works
  curl -s -X POST ${api}/proxies/demo/toxics -d '{"type":"latency","attributes":{"latency":500}}'
  curl -s -X POST ${api}/proxies/demo/toxics -d '{"type":"reset_peer","toxicity":0.5}'
  curl -s -N ${api}/events             # live stream: which toxic fired, and when
  curl -s ${api}/metrics | grep faultline_toxic
  curl -s -X POST ${api}/reset         # remove every toxic

Press Ctrl-C to stop.
`;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('start a demo HTTP upstream and the server with examples/demo/faultline.yaml')
    .option('--port <port>', 'port of the control API', '8474')
    .addHelpText('after', '\nExample:\n  faultline demo\n  curl -s http://127.0.0.1:20001/\n')
    .action(async (options: { port: string }) => {
      const upstream = http.createServer((request, response) => {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end(
          `hello from the demo upstream: ${request.method} ${request.url} at ${new Date().toISOString()}\n`,
        );
      });
      await listenControl(upstream, '127.0.0.1', DEMO_UPSTREAM_PORT);
      const running = await startServer({
        host: '127.0.0.1',
        port: Number(options.port),
        config: demoConfig,
        busyPoll: 200,
        logLevel: 'warn',
      });
      process.stdout.write(tryIt(running.url));
      const stopAll = async () => {
        await running.stop();
        upstream.close();
      };
      stopOnSignals({ ...running, stop: stopAll }, (line) => process.stderr.write(`${line}\n`));
    });
}
