import { fileURLToPath } from 'node:url';
import { createClient, type FaultlineClient } from '../client/index.js';
import { listenControl } from '../cli/listen.js';
import { FaultlineError, isFaultlineError } from '../model/errors.js';
import { parseProxyList } from '../model/proxy-spec.js';
import { isLoopback } from '../net/loopback.js';
import { createEngine, type Engine } from '../proxy/engine.js';
import { createControlServer } from './app.js';
import { localCaAccess } from './local-ca-access.js';
import { populateFromFile } from './populate-file.js';
import {
  allowedHostsOf,
  apiConnectionsOf,
  checkStartOptions,
  engineLimitsOf,
  metricSetsOf,
  type StartServerOptions,
} from './start-options.js';
import { generateToken } from './token.js';

export type { StartServerLimits, StartServerOptions } from './start-options.js';

/** A faultline server running in this process, as `faultline server` runs it. */
export interface StartedServer {
  /** The control API's address, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly port: number;
  /** The token every request must carry (the one given, or made for `token: 'generate'`), if any. */
  readonly token: string | undefined;
  /** A typed client for this server, with its token. */
  readonly client: FaultlineClient;
  readonly engine: Engine;
  /** Closes every proxy and its connections, then the control API; calling it again does nothing. */
  stop(): Promise<void>;
}

/**
 * Starts the proxy engine and its control API in this process: what a test file starts in
 * before() and stops in after(), without spawning the CLI. Every option is checked before
 * anything listens; one it does not take is refused, not ignored.
 */
export async function startServer(options: StartServerOptions = {}): Promise<StartedServer> {
  checkStartOptions(options);
  const host = options.host ?? '127.0.0.1';
  checkAccess(host, options);
  const token = options.token === 'generate' ? generateToken() : options.token;
  const limits = engineLimitsOf(options.limits);
  const allowedHosts = allowedHostsOf(options.allowedHosts);
  const maxConnections = apiConnectionsOf(options.limits);
  const metrics = metricSetsOf(options.metrics);
  const localCa = localCaAccess();
  const engine = createEngine({
    // The engine folds it into 31 bits as --seed does.
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    limits,
    issueCertificate: localCa.issue,
  });
  let control;
  try {
    control = createControlServer({
      engine,
      allowedHosts,
      caCertificate: localCa.certificatePem,
      metrics,
      ...(token === undefined ? {} : { token }),
      ...(maxConnections === undefined ? {} : { maxConnections }),
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
    if (options.config !== undefined) await populateFromFile(engine, pathOf(options.config));
    if (options.proxies !== undefined) await populate(engine, options.proxies);
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
    token: token ?? '',
    ...(options.clientTimeout === undefined ? {} : { timeout: options.clientTimeout }),
  });
  return { url, port: Number(new URL(url).port), token, client, engine, stop };
}

function pathOf(file: string | URL): string {
  return file instanceof URL ? fileURLToPath(file) : file;
}

/** Creates the proxies given, as POST /populate does; an error says it came from `proxies`. */
async function populate(engine: Engine, proxies: unknown): Promise<void> {
  try {
    await engine.populate(parseProxyList(proxies, 'startServer({ proxies })'));
  } catch (error) {
    if (!isFaultlineError(error)) throw error;
    throw new FaultlineError(error.code, `startServer({ proxies }): ${error.reason}`, {
      cause: error,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
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
      hint: "give a token (16+ characters from A-Z a-z 0-9 . _ ~ -) that clients must send, or token: 'generate' to have one made, or insecure: true to serve it without one, knowingly",
    },
  );
}
