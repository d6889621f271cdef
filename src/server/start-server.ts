import { createClient, type FaultlineClient } from '../client/index.js';
import { listenControl } from '../cli/listen.js';
import { FaultlineError } from '../model/errors.js';
import { isLoopback } from '../net/loopback.js';
import { createEngine, type Engine } from '../proxy/engine.js';
import { createControlServer } from './app.js';
import { localCaAccess } from './local-ca-access.js';

export interface StartServerOptions {
  /** Address of the control API; default 127.0.0.1. Any other than loopback needs `token` or `insecure`. */
  host?: string;
  /** Port of the control API; default 0, a free port the system picks (read it from `url` or `port`). */
  port?: number;
  /** Makes jitter, toxicity and slicer decisions repeatable; random when omitted. */
  seed?: number;
  /** Every request must carry it (16 to 512 characters from A-Z a-z 0-9 . _ ~ -); `client` sends it. */
  token?: string;
  /** Serve an address off loopback without a token: whoever reaches it controls the proxies. */
  insecure?: boolean;
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
  checkAccess(host, options);
  const localCa = localCaAccess();
  const engine = createEngine({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    issueCertificate: localCa.issue,
  });
  let control;
  try {
    control = createControlServer({
      engine,
      caCertificate: localCa.certificatePem,
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

/** As `faultline server` decides: off loopback, a token or a knowing `insecure`, never both. */
function checkAccess(host: string, { token, insecure }: StartServerOptions): void {
  if (insecure && token !== undefined) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      'startServer: token and insecure: true contradict each other',
      { hint: 'give token to require one, or insecure: true to serve without one' },
    );
  }
  if (token !== undefined || insecure || isLoopback(host)) return;
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_CONFIG',
    `startServer: host ${host} is not a loopback address: whoever reaches it could create proxies, add toxics and halt runs`,
    {
      hint: 'give a token (16+ characters from A-Z a-z 0-9 . _ ~ -) that clients must send, or insecure: true to serve it without one, knowingly',
    },
  );
}
