import { createClient, type FaultlineClient } from '../client/index.js';
import { listenControl } from '../cli/listen.js';
import { createEngine, type Engine } from '../proxy/engine.js';
import { createControlServer } from './app.js';

export interface StartServerOptions {
  /** Address of the control API; default 127.0.0.1. Give a `token` with any address others can reach. */
  host?: string;
  /** Port of the control API; default 0, a free port the system picks (read it from `url` or `port`). */
  port?: number;
  /** Makes jitter, toxicity and slicer decisions repeatable; random when omitted. */
  seed?: number;
  /** Every request must carry it (16 to 512 characters from A-Z a-z 0-9 . _ ~ -); `client` sends it. */
  token?: string;
  /** Per-request time limit of `client`, in ms (default 30 s). */
  clientTimeout?: number;
}

/** A faultline server running in this process, as `faultline server` runs it. */
export interface StartedServer {
  /** The control API's address, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly port: number;
  /** A typed client for this server, with its token. */
  readonly client: FaultlineClient;
  readonly engine: Engine;
  /** Closes every proxy and its connections, then the control API; calling it again does nothing. */
  stop(): Promise<void>;
}

/**
 * Starts the proxy engine and its control API in this process: what a test file starts in
 * before() and stops in after(), without spawning the CLI.
 */
export async function startServer(options: StartServerOptions = {}): Promise<StartedServer> {
  const host = options.host ?? '127.0.0.1';
  const engine = createEngine(options.seed === undefined ? {} : { seed: options.seed });
  let control;
  try {
    control = createControlServer({
      engine,
      ...(options.token === undefined ? {} : { token: options.token }),
    });
  } catch (error) {
    engine.close();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      engine.close();
      await control.close();
    })());
  let url: string;
  try {
    url = await listenControl(control.http, host, options.port ?? 0, {
      host: 'startServer({ host })',
      port: 'startServer({ port })',
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const client = createClient({
    url,
    token: options.token ?? '',
    ...(options.clientTimeout === undefined ? {} : { timeout: options.clientTimeout }),
  });
  return { url, port: Number(new URL(url).port), client, engine, stop };
}
