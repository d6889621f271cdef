import { METRICS_FLAGS } from '../server/metric-sets.js';

/**
 * What the client throws. `reason` is `<what>: HTTP <status>: <error>`, as Toxiproxy's Go
 * client words it, with the server's `error` text unchanged. `hint` is faultline's explanation
 * (what was received, what to do); a plain Toxiproxy server sends none. `message` is
 * `<reason>: <hint>`, as FaultlineError's, so a test reporter that shows only the message shows
 * what to do too. `code` is the server's stable code (FAULTLINE_ERR_...), derived from the
 * status when the server sends none. `status` is 0 when the server could not be reached.
 */
export class FaultlineApiError extends Error {
  override readonly name = 'FaultlineApiError';
  readonly reason: string;
  readonly hint: string | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    reason: string,
    options: { cause?: unknown; hint?: string | undefined } = {},
  ) {
    super(
      options.hint ? `${reason}: ${options.hint}` : reason,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.reason = reason;
    this.hint = options.hint;
  }
}

const codeByStatus: Record<number, string> = {
  400: 'FAULTLINE_ERR_BAD_REQUEST',
  404: 'FAULTLINE_ERR_NOT_FOUND',
  409: 'FAULTLINE_ERR_CONFLICT',
};

/**
 * `serverUrl`, when given, is the address the request went under: a route the server does not
 * have, under an address with a path, is that path's doing, and the hint says so.
 */
export async function errorFromResponse(
  response: Pick<Response, 'status' | 'statusText' | 'text'>,
  what: string,
  serverUrl?: string,
): Promise<FaultlineApiError> {
  const text = await response.text();
  let message = text.trim() || response.statusText;
  let code = codeByStatus[response.status] ?? `FAULTLINE_ERR_HTTP_${response.status}`;
  let hint: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown; hint?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.hint === 'string') hint = body.hint;
  } catch {
    // not JSON: keep the raw text
    if (response.status === 404 && serverUrl !== undefined) hint = pathHint(serverUrl);
  }
  return new FaultlineApiError(code, response.status, `${what}: HTTP ${response.status}: ${message}`, {
    hint,
  });
}

/** A 404 from GET /metrics: the server was started without asking for it, as Toxiproxy's needs too. */
export function metricsOff(error: unknown): unknown {
  if (!(error instanceof FaultlineApiError) || error.status !== 404 || error.hint !== undefined) return error;
  return new FaultlineApiError(error.code, error.status, error.reason, {
    hint: `the server serves /metrics only when started with ${METRICS_FLAGS}`,
  });
}

/** Toxiproxy's (and faultline's) answer to a path no route takes is plain text. */
function pathHint(serverUrl: string): string | undefined {
  const path = URL.canParse(serverUrl) ? new URL(serverUrl).pathname : '/';
  return path === '/'
    ? undefined
    : `the server URL ${serverUrl} has the path ${path}, and the server has no such route under it: a faultline server answers at the root of its address (give it as ${new URL(serverUrl).origin}); a reverse proxy in front must forward ${path} to that root`;
}

/** The server dropped GET /events after it had begun (it stopped or restarted). */
export function streamClosed(url: string, error: unknown): FaultlineApiError {
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === 'string' ? code : (error as Error).message;
  return new FaultlineApiError(
    'FAULTLINE_ERR_STREAM_CLOSED',
    0,
    `the server at ${url} closed the event stream (${reason})`,
    { cause: error, hint: 'it stopped or restarted; follow the events again once it is back' },
  );
}

/** The server took the connection (or the SYN went unanswered) but no answer came in time. */
export function timedOut(url: string, what: string, timeout: number, error: unknown): FaultlineApiError {
  return new FaultlineApiError(
    'FAULTLINE_ERR_TIMEOUT',
    0,
    `${what}: the faultline server at ${url} did not answer within ${timeout} ms`,
    {
      cause: error,
      hint: "it is busy or stuck, or what listens at that address is not a faultline server; if it is only slow, give the client a longer timeout (createClient's timeout option, in ms)",
    },
  );
}

export function unreachable(url: string, error: unknown): FaultlineApiError {
  // fetch refuses another scheme with ERR_INVALID_PROTOCOL or UND_ERR_INVALID_ARG: say which.
  const scheme = URL.canParse(url) ? new URL(url).protocol : 'http:';
  if (scheme !== 'http:' && scheme !== 'https:') {
    return new FaultlineApiError(
      'FAULTLINE_ERR_UNREACHABLE',
      0,
      `cannot reach the faultline server at ${url}: it is a ${scheme.slice(0, -1)} URL, and the control API is served over http (or https); give it as http://HOST:PORT`,
      { cause: error },
    );
  }
  if (scheme === 'https:' && spokeNoTls(error)) {
    const plain = `http://${url.slice('https://'.length)}`;
    return new FaultlineApiError(
      'FAULTLINE_ERR_UNREACHABLE',
      0,
      `cannot reach the faultline server at ${url}: what answers there does not speak TLS (EPROTO), and a faultline server serves its control API over plain http: give it as ${plain}`,
      { cause: error },
    );
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  // fetch put the system error in `cause`; node:http raises it itself, with a string code.
  const code = (error as { code?: unknown }).code;
  const reason =
    cause?.code ?? cause?.message ?? (typeof code === 'string' ? code : (error as Error).message);
  return new FaultlineApiError(
    'FAULTLINE_ERR_UNREACHABLE',
    0,
    `cannot reach the faultline server at ${url} (${reason})${defaultPortNote(url)}; start one with "faultline server" (or startServer() in a test), or point the client at yours (createClient's url; for the CLI --host, else FAULTLINE_URL, else TOXIPROXY_URL)`,
    { cause: error },
  );
}

/**
 * A URL without a port (`http://127.0.0.1:` reads as one) was sent to its scheme's port, which the
 * URL does not show: say which was tried, and faultline's own.
 */
function defaultPortNote(url: string): string {
  if (!URL.canParse(url)) return '';
  const { port, protocol } = new URL(url);
  if (port !== '') return '';
  return `: the URL gives no port, so ${protocol === 'https:' ? 443 : 80} was tried; a faultline server listens on 8474 unless told otherwise`;
}

/** An https request to a plain http listener: the TLS handshake reads an HTTP answer. */
function spokeNoTls(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'EPROTO' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    String(message).includes('wrong version number')
  );
}
