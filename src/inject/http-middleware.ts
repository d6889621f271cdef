import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { explainFault, type FaultSpec } from '../model/fault.js';
import { type ArmedFault, arm, delay, errorOf, pick } from './apply.js';

const HTTP_EFFECTS = ['error', 'status', 'abort', 'slowBody'];

export interface HttpFaultsOptions {
  faults?: FaultSpec[];
  /** Where the faults can be read and replaced at run time (GET, PUT, DELETE); false turns it off. */
  adminPath?: string | false;
}

type Next = (error?: unknown) => void;

export interface HttpFaults {
  /** Express / connect middleware. */
  middleware(request: IncomingMessage, response: ServerResponse, next: Next): void;
  /** Wraps a node:http request listener. */
  wrap(listener: RequestListener): RequestListener;
  /** A Fastify plugin (its hook applies to the whole app). */
  fastify: FastifyPlugin;
  /** Replaces the faults; the same as PUT on the admin route. */
  set(faults: FaultSpec[]): void;
  list(): FaultSpec[];
}

type FastifyPlugin = ((
  instance: {
    addHook(
      name: 'onRequest',
      hook: (
        request: { raw: IncomingMessage },
        reply: { raw: ServerResponse; hijack(): void },
        done: Next,
      ) => void,
    ): void;
  },
  options: unknown,
  done: Next,
) => void) & { [key: symbol]: unknown };

/**
 * Faults for an HTTP server: latency, an error status, a dropped connection, a slow body,
 * scoped by route (`url` regex), `httpMethods`, `header` and `probability`. The admin route
 * (default /__faultline/faults) lets a test or an operator change them while the server runs.
 */
export function createHttpFaults(options: HttpFaultsOptions = {}): HttpFaults {
  const adminPath = options.adminPath === undefined ? '/__faultline/faults' : options.adminPath;
  let armed: ArmedFault[] = arm(options.faults ?? [], HTTP_EFFECTS, 'fault');
  const set = (faults: FaultSpec[]) => {
    armed = arm(faults, HTTP_EFFECTS, 'fault');
  };

  /** Returns true when it took over the response (the request must not go on). */
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const path = (request.url ?? '/').split('?')[0];
    if (adminPath && path === adminPath) {
      await admin(request, response);
      return true;
    }
    const fault = pick(
      armed,
      { url: request.url ?? '/', httpMethod: request.method ?? 'GET', headers: request.headers },
      'http-server',
    );
    if (!fault) return false;
    if (fault.delay) await delay(fault.delay);
    if (fault.abort) {
      request.socket.destroy();
      return true;
    }
    if (fault.status !== undefined || fault.error !== undefined) {
      const status = fault.status ?? 500;
      const body =
        fault.body ??
        (fault.error !== undefined ? errorOf(fault).message : `injected fault: status ${status}`);
      response.writeHead(status, { 'Content-Type': 'text/plain', 'X-Faultline-Fault': 'injected' });
      response.end(body);
      return true;
    }
    if (fault.slowBody) slowDown(response, fault.slowBody);
    return false;
  }

  async function admin(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    try {
      if (request.method === 'PUT' || request.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]') as unknown;
        set((Array.isArray(body) ? body : [body]) as FaultSpec[]);
      } else if (request.method === 'DELETE') set([]);
      else if (request.method !== 'GET') return reply(405, { error: 'use GET, PUT or DELETE' });
      reply(200, {
        faults: armed.map(({ name, decider }) => ({
          ...decider.fault,
          name,
          explanation: explainFault(decider.fault),
        })),
      });
    } catch (error) {
      reply(400, { error: (error as Error).message });
    }
  }

  const middleware = (request: IncomingMessage, response: ServerResponse, next: Next) => {
    handle(request, response).then((handled) => (handled ? undefined : next()), next);
  };
  const fastify = ((instance, _options, done) => {
    instance.addHook('onRequest', (request, reply, next) => {
      handle(request.raw, reply.raw).then((handled) => {
        if (handled) reply.hijack();
        next();
      }, next);
    });
    done();
  }) as FastifyPlugin;
  fastify[Symbol.for('skip-override')] = true;

  return {
    middleware,
    wrap: (listener) => (request, response) =>
      void handle(request, response).then((handled) => (handled ? undefined : listener(request, response))),
    fastify,
    set,
    list: () => armed.map(({ decider }) => decider.fault),
  };
}

/**
 * Dribbles the response body out at `bytesPerSecond`, whatever the handler writes: chunks are
 * queued and sent a tenth of a second's worth at a time; the last piece goes out with end().
 */
function slowDown(response: ServerResponse, bytesPerSecond: number): void {
  const write = response.write.bind(response) as (chunk: Buffer) => boolean;
  const end = response.end.bind(response) as (chunk?: Buffer) => ServerResponse;
  const slice = Math.max(1, Math.round(bytesPerSecond / 10));
  let pending = Buffer.alloc(0);
  let ending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pump = () => {
    timer = undefined;
    const piece = pending.subarray(0, slice);
    pending = pending.subarray(piece.length);
    if (ending && pending.length === 0) return void end(piece);
    if (piece.length > 0) write(piece);
    if (pending.length > 0 || ending) timer = setTimeout(pump, 100);
  };
  const queue = (chunk: unknown, encoding: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      pending = Buffer.concat([pending, bytes]);
    }
    timer ??= setTimeout(pump, 100);
  };
  response.removeHeader('Content-Length');
  (response as { write: unknown }).write = (chunk: unknown, encoding?: unknown) => {
    queue(chunk, encoding);
    return true;
  };
  (response as { end: unknown }).end = (chunk?: unknown, encoding?: unknown) => {
    ending = true;
    queue(chunk, encoding);
    return response;
  };
}
