import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfigFile } from '../config/config-file.js';
import { FaultlineError, isFaultlineError } from '../model/errors.js';
import type { ProxySpec } from '../model/proxy-spec.js';
import { integer } from './integer-option.js';
import { startServer, stopOnSignals } from './server-command.js';
import { ALL_METRICS } from '../server/metric-sets.js';

const demoConfig = fileURLToPath(new URL('../../../examples/demo/faultline.yaml', import.meta.url));
const DEFAULT_FIRST_DEMO_PORT = 20000;

/** The demo's three ports: proxy "demo", proxy "demo_slow", the upstream; 0 lets the system choose each. */
interface DemoPorts {
  demo: number;
  slow: number;
  upstream: number;
}

function parseFirstPort(value: string): number {
  const first = Number(value);
  if (!/^\d+$/.test(value) || first > 65533 || (first !== 0 && first < 1024)) {
    throw new InvalidArgumentError(
      `received "${value}"; expected the first of three consecutive free ports, from 1024 to 65533, or 0 to let the system choose free ones`,
    );
  }
  return first;
}

const portsFrom = (first: number): DemoPorts =>
  first === 0 ? { demo: 0, slow: 0, upstream: 0 } : { demo: first, slow: first + 1, upstream: first + 2 };

const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));

/**
 * Under `npm run demo`, flags reach the demo only after `--` (`npm run demo --port 0` gives the
 * flag to npm): advice naming flags then shows where they go.
 */
function whereFlagsGo(flags: string): string {
  return process.env.npm_lifecycle_event === 'demo' ? ` (after --, as in npm run demo -- ${flags})` : '';
}

function portTaken(what: string, port: number): FaultlineError {
  return new FaultlineError(
    'FAULTLINE_ERR_ADDRESS_IN_USE',
    `cannot listen on 127.0.0.1:${port} for ${what}: address already in use; pass --demo-ports with the first of three free consecutive ports (for example --demo-ports 21000), or --demo-ports 0 to let the system choose${whereFlagsGo('--demo-ports 0')}`,
  );
}

function controlPortTaken(port: number): FaultlineError {
  return new FaultlineError(
    'FAULTLINE_ERR_ADDRESS_IN_USE',
    `cannot listen on 127.0.0.1:${port} for the control API: address already in use (is another faultline or toxiproxy-server running?); pass --port with a free port, or --port 0 --demo-ports 0 to let the system choose every port${whereFlagsGo('--port 0 --demo-ports 0')}`,
  );
}

async function startUpstream(port: number): Promise<http.Server> {
  const upstream = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end(
      `hello from the demo upstream: ${request.method} ${request.url} at ${new Date().toISOString()}\n`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    upstream.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? portTaken('the demo upstream', port) : error),
    );
    upstream.listen(port, '127.0.0.1', resolve);
  });
  return upstream;
}

/** examples/demo/faultline.yaml with the chosen ports in place of its own. */
async function demoProxies(ports: DemoPorts, upstreamPort: number): Promise<ProxySpec[]> {
  const listenPorts: Record<string, number> = { demo: ports.demo, demo_slow: ports.slow };
  return (await loadConfigFile(demoConfig)).map((spec) => ({
    ...spec,
    listen: `127.0.0.1:${listenPorts[spec.name] ?? portOf(spec.listen)}`,
    upstream: `127.0.0.1:${upstreamPort}`,
  }));
}

function tryIt(api: string, demo: string, slow: string): string {
  return `
faultline demo is running. Try it:

  curl -s http://${demo}/     # through proxy "demo": no toxics
  curl -s http://${slow}/     # through proxy "demo_slow": a 250 ms ± 50 ms latency toxic

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
    .option('--port <port>', 'port of the control API', integer('--port', 0, 65535), 8474)
    .option(
      '--demo-ports <first>',
      `first of three consecutive ports for proxy "demo", proxy "demo_slow" and the upstream; 0 lets the system choose free ones`,
      parseFirstPort,
      DEFAULT_FIRST_DEMO_PORT,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  faultline demo\n  curl -s http://127.0.0.1:20001/\n  faultline demo --port 0 --demo-ports 0     # when 8474 or 20000-20002 are taken\n',
    )
    .action(async (options: { port: number; demoPorts: number }) => {
      const ports = portsFrom(options.demoPorts);
      const upstream = await startUpstream(ports.upstream);
      const upstreamPort = (upstream.address() as AddressInfo).port;
      let running;
      try {
        running = await startServer({
          host: '127.0.0.1',
          port: options.port,
          busyPoll: 200,
          logLevel: 'warn',
          // The tour below reads /metrics.
          metrics: ALL_METRICS,
        });
      } catch (error) {
        upstream.close();
        if (isFaultlineError(error) && error.code === 'FAULTLINE_ERR_ADDRESS_IN_USE')
          throw controlPortTaken(options.port);
        throw error;
      }
      try {
        await running.engine.populate(await demoProxies(ports, upstreamPort));
      } catch (error) {
        await running.stop();
        upstream.close();
        if (!isFaultlineError(error) || error.code !== 'FAULTLINE_ERR_ADDRESS_IN_USE') throw error;
        const port = /:(\d+): bind: address already in use$/.exec(error.reason)?.[1];
        throw portTaken('a demo proxy', Number(port ?? ports.demo));
      }
      const address = (name: string) => running.engine.get(name).listen;
      process.stdout.write(tryIt(running.url, address('demo'), address('demo_slow')));
      const stopAll = async () => {
        await running.stop();
        upstream.close();
      };
      stopOnSignals({ ...running, stop: stopAll }, (line) => process.stderr.write(`${line}\n`));
    });
}
