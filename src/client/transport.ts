import http, { type IncomingMessage } from 'node:http';

/**
 * How the client sends requests: node:http with a keep-alive agent. Global fetch would load
 * undici's whole stack on the first call, about 90 ms of every CLI command's run on a 2-core
 * machine; node:http is part of Node's start-up snapshot. https is loaded only for https URLs.
 */
export interface RequestOptions {
  method?: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  signal?: AbortSignal;
}

/** A whole answer: status line and the body read to its end. */
export interface BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  /** A response header, as sent (the first, when sent twice). */
  header(name: string): string | undefined;
  /** Every value of a response header, in the order sent. */
  headers(name: string): string[];
  text(): Promise<string>;
}

const agents = new Map<string, http.Agent>();

async function agentFor(protocol: string): Promise<{ agent: http.Agent; request: typeof http.request }> {
  if (protocol === 'http:') {
    const agent = agents.get(protocol) ?? new http.Agent({ keepAlive: true });
    agents.set(protocol, agent);
    return { agent, request: http.request };
  }
  if (protocol === 'https:') {
    const https = await import('node:https');
    const agent = agents.get(protocol) ?? new https.Agent({ keepAlive: true });
    agents.set(protocol, agent);
    return { agent, request: https.request };
  }
  throw Object.assign(new TypeError(`unsupported scheme "${protocol}" (use http:// or https://)`), {
    code: 'ERR_INVALID_PROTOCOL',
  });
}

/**
 * Sends a request and resolves with the response once its headers arrive; the body is left to
 * the caller. An aborted signal rejects with its reason (as fetch does) and destroys the
 * request and the response, so a stream being read ends with an error.
 */
export async function open(url: string, options: RequestOptions): Promise<IncomingMessage> {
  const { signal } = options;
  const target = new URL(url);
  const { agent, request } = await agentFor(target.protocol);
  // Checked after the await: the signal may have been aborted while https was loading.
  if (signal?.aborted) throw signal.reason;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['Content-Length'] = Buffer.byteLength(options.body);
    let response: IncomingMessage | undefined;
    const onAbort = () => {
      const reason: unknown = signal!.reason;
      reject(reason);
      const error = reason instanceof Error ? reason : new Error(String(reason));
      response?.destroy(error);
      outgoing.destroy(error);
    };
    const outgoing = request(target, { method: options.method ?? 'GET', headers, agent }, (incoming) => {
      response = incoming;
      incoming.once('close', () => signal?.removeEventListener('abort', onAbort));
      resolve(incoming);
    });
    outgoing.once('error', (error) => {
      if (!response) signal?.removeEventListener('abort', onAbort);
      if (!response && outgoing.reusedSocket && wasClosedByPeer(error) && !signal?.aborted) {
        resolve(open(url, options));
        return;
      }
      reject(error);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.end(options.body);
  });
}

/**
 * A kept-alive connection the server closed while it sat idle (the server stopped, or restarted
 * on the same port) fails the next request sent on it before any answer: that request never
 * reached a server, so it is sent again on a new connection, which meets the server that is there
 * now or a refusal that says none is.
 */
function wasClosedByPeer(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** Sends a request and reads the whole body, so a failure while reading rejects here too. */
export async function send(url: string, options: RequestOptions): Promise<BufferedResponse> {
  const response = await open(url, options);
  const body = await readText(response);
  const status = response.statusCode ?? 0;
  return {
    status,
    statusText: response.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    header: (name) => [response.headers[name.toLowerCase()]].flat()[0],
    headers: (name) => response.headersDistinct[name.toLowerCase()] ?? [],
    text: async () => body,
  };
}

export async function readText(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
