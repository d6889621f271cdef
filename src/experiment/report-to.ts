import { endpointOf } from '../client/credentials.js';
import { errorFromResponse, unreachable } from '../client/errors.js';
import { normalizeUrl } from '../client/index.js';
import { queryOrFragmentIn } from '../client/options-check.js';
import { rollbackStrategies } from '../model/experiment.js';
import { fetchAnyPort } from '../net/fetch-any-port.js';
import { faultlineVersion } from '../version.js';

/**
 * A run registered with a faultline server (`faultline run --report-to URL`): the server lists
 * it, and its halt reaches it through the connection the registration keeps open.
 */
export interface RunReporter {
  /** The server, without any token. */
  readonly server: string;
  onHalt(listener: (reason: string) => void): void;
  /** Tells the server how the run ended (and whether the steady state deviated), then closes the connection. */
  finish(status: string, journal: string, deviated?: boolean): Promise<void>;
  close(): void;
}

interface RunInfo {
  /** The run's ledger name, so the server lists the run under the id its ledger faults carry. */
  id: string;
  title: string;
  journal: string;
  rollbackStrategy: string;
}

/** Registers the run; throws when the server cannot be reached or refuses. */
export async function reportTo(
  url: string,
  run: RunInfo,
  warn: (message: string) => void,
): Promise<RunReporter> {
  const extra = queryOrFragmentIn(url);
  if (extra !== undefined)
    throw new Error(
      `${JSON.stringify(url)} has a ${extra}, which the server's address takes none of; give it as http://HOST:PORT`,
    );
  const endpoint = endpointOf(normalizeUrl(url));
  const headers = {
    ...endpoint.headers,
    'Content-Type': 'application/json',
    'User-Agent': `faultline-run/${faultlineVersion}`,
  };
  const connection = new AbortController();
  let response: Response;
  try {
    response = await fetchAnyPort(`${endpoint.base}/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        id: run.id,
        title: run.title.slice(0, 1000),
        pid: process.pid,
        journal: run.journal,
        ...((rollbackStrategies as readonly string[]).includes(run.rollbackStrategy)
          ? { rollback_strategy: run.rollbackStrategy }
          : {}),
      }),
      signal: connection.signal,
    });
  } catch (error) {
    throw unreachable(endpoint.url, error);
  }
  if (!response.ok || !response.body) throw await errorFromResponse(response, 'register the run');
  const lines = readLines(response.body);
  const first = await lines.next();
  const id = first.done ? undefined : (JSON.parse(first.value) as { id?: unknown }).id;
  if (typeof id !== 'string') {
    connection.abort();
    throw new Error(
      `the server at ${endpoint.url} answered POST /runs without a run id; is it a faultline server?`,
    );
  }
  const listeners: Array<(reason: string) => void> = [];
  // A halt that comes before anyone listens is kept for the first listener.
  let halted: string | undefined;
  let finished = false;
  void (async () => {
    try {
      for await (const line of lines) {
        const message = JSON.parse(line) as { halt?: unknown };
        if (typeof message.halt !== 'string') continue;
        halted = `halted by the faultline server at ${endpoint.url} (${message.halt})`;
        for (const listener of listeners) listener(halted);
      }
    } catch {
      // Aborted by close(), or the connection broke: said below.
    }
    if (!finished && !connection.signal.aborted)
      warn(
        `lost the connection to the faultline server at ${endpoint.url}: its halt no longer reaches this run`,
      );
  })();

  return {
    server: endpoint.url,
    onHalt(listener) {
      listeners.push(listener);
      if (halted !== undefined) listener(halted);
    },
    async finish(status, journal, deviated) {
      finished = true;
      try {
        const end = await fetchAnyPort(`${endpoint.base}/runs/${encodeURIComponent(id)}`, {
          method: 'PATCH',
          headers,
          // Sent only when true: a server from before the field refuses a key it does not know.
          body: JSON.stringify({ status, ...(deviated === true ? { deviated } : {}), journal }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!end.ok) warn((await errorFromResponse(end, 'report how the run ended')).message);
        else await end.arrayBuffer();
      } catch (error) {
        warn(
          `could not tell the faultline server at ${endpoint.url} how the run ended: ${(error as Error).message}`,
        );
      } finally {
        connection.abort();
      }
    },
    close: () => connection.abort(),
  };
}

/** The non-empty lines of a stream of JSON lines. */
async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = '';
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield line;
    }
  }
}
