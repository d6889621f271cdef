import { FaultlineError } from '../model/errors.js';

const optionNames = ['url', 'timeout', 'token'];

function invalid(reason: string, hint: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', `createClient: ${reason}`, { hint });
}

/**
 * What JavaScript callers may pass that the types would refuse: a URL string where the options
 * go (toxiproxy-node-client's `new Toxiproxy(url)`), a misspelt key, a timeout read as text.
 * Each would otherwise be ignored, or fail later at every call with Node's own words.
 */
export function checkClientOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw invalid(
      `takes an options object, received ${JSON.stringify(options)}`,
      typeof options === 'string'
        ? `give the URL as an option: createClient({ url: ${JSON.stringify(options)} })`
        : `it takes ${optionNames.join(', ')}`,
    );
  const record = options as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !optionNames.includes(key));
  if (unknown !== undefined) throw invalid(`unknown option ${unknown}`, `it takes ${optionNames.join(', ')}`);
  if (record.url !== undefined && typeof record.url !== 'string')
    throw invalid(
      `url must be a string, received ${JSON.stringify(record.url)}`,
      "such as 'http://127.0.0.1:8474'",
    );
  const extra = typeof record.url === 'string' ? queryOrFragmentIn(record.url) : undefined;
  if (extra !== undefined)
    throw invalid(
      `url ${JSON.stringify(record.url)} has a ${extra}, which the control API's address takes none of (requests would go to a path no server serves)`,
      "give it as 'http://HOST:PORT'; a token goes in the token option, or as http://:TOKEN@HOST:PORT",
    );
  if (record.token !== undefined && typeof record.token !== 'string')
    throw invalid(
      `token must be a string, received ${typeof record.token}`,
      "give the server's token as text, or '' to send none",
    );
  const { timeout } = record;
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && Number.isSafeInteger(timeout) && timeout >= 1)
  )
    throw invalid(
      `timeout must be a whole number of milliseconds, 1 or more, received ${JSON.stringify(timeout)}`,
      'such as 5000; a value read from the environment is text: pass Number(process.env.NAME)',
    );
}

/**
 * A call's options, the last argument of every method: `{ timeout: 1000 }` there (the client's
 * option, not a call's) would be ignored, and the call would wait its full time.
 */
export function checkCallOptions(call: unknown, what: string, known: readonly string[]): void {
  if (typeof call !== 'object' || call === null || Array.isArray(call))
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `${what}: its options must be an object, received ${JSON.stringify(call)}`,
      {
        hint: `it takes ${known.join(', ')}`,
      },
    );
  const { onWarning } = call as { onWarning?: unknown };
  if (onWarning !== undefined && typeof onWarning !== 'function')
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_CONFIG',
      `${what}: onWarning must be a function, received ${typeof onWarning}`,
      {
        hint: 'it is called with the text of each warning of the answer: { onWarning: (text) => console.warn(text) }',
      },
    );
  const unknown = Object.keys(call).find((key) => !known.includes(key));
  if (unknown === undefined) return;
  throw new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', `${what}: unknown option ${unknown}`, {
    hint: `it takes ${known.join(', ')}${unknown === 'timeout' ? "; a time limit for one call is { signal: AbortSignal.timeout(ms) }, for every call createClient's timeout" : ''}`,
  });
}

/** "query (?…)" or "fragment (#…)" when a server URL carries one: paths are appended to it. */
export function queryOrFragmentIn(url: string): string | undefined {
  const query = /\?[^#]*/.exec(url)?.[0];
  if (query !== undefined) return `query (${query})`;
  const fragment = /#.*/.exec(url)?.[0];
  return fragment === undefined ? undefined : `fragment (${fragment})`;
}
