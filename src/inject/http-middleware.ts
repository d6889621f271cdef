import { setMaxListeners } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaultlineError } from '../model/errors.js';
import { explainFault, type FaultSpec } from '../model/fault.js';
import { answerBody } from '../model/fault-answer.js';
import { parseWith } from '../model/fields.js';
import {
  type AdminRouteOptions,
  createAdminRoute,
  DEFAULT_ADMIN_PATH,
  DEFAULT_MAX_BODY_BYTES,
} from './admin-route.js';
import { type ArmedFault, arm, choose, delay, errorOf } from './apply.js';
import { faultsEnabled } from './enabled.js';
import { slowDown } from './slow-body.js';

const HTTP_EFFECTS = ['error', 'status', 'abort', 'slowBody'];
const armHttp = (faults: unknown): ArmedFault[] =>
  arm(faults, HTTP_EFFECTS, 'fault', { sees: 'requests', label: () => 'http-server', errorsAnswer: true });

export type { AdminRouteOptions } from './admin-route.js';

export interface HttpFaultsOptions {
  faults?: FaultSpec[];
  /** Overrides FAULTLINE_INJECT for this middleware. */
  enabled?: boolean;
  /** Serves the admin route (GET, PUT, DELETE the faults at run time); off unless given. */
  admin?: AdminRouteOptions;
}

type Next = (error?: unknown) => void;

export interface HttpFaults {
  /** False when faults are off: then every request goes straight on and there is no admin route. */
  readonly enabled: boolean;
  /** Express / connect middleware. */
  middleware(request: IncomingMessage, response: ServerResponse, next: Next): void;
  /** Koa middleware: `app.use(faults.koa)`. */
  koa: KoaMiddleware;
  /** Wraps a node:http request listener (returns the listener itself when faults are off). */
  wrap(listener: RequestListener): RequestListener;
  /** A Fastify plugin (its hook applies to the whole app). */
  fastify: FastifyPlugin;
  /**
   * Replaces the faults, as PUT on the admin route does; what the old faults hold (a delay, a slow
   * body) goes on at once with no further fault. Does nothing when faults are off.
   */
  set(faults: FaultSpec[]): void;
  list(): FaultSpec[];
}

/** What faultline needs of a Koa context; an answered request is left to faultline (`respond = false`). */
interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  originalUrl?: string;
  respond?: boolean;
}
type KoaMiddleware = (context: KoaContext, next: () => Promise<unknown>) => Promise<void>;

/** Fastify's done: a plugin or hook reports an error through it. */
type FastifyDone = (error?: Error) => void;

/** Typed loosely enough that `fastify.register(faults.fastify)` type-checks against Fastify's own types. */
type FastifyPlugin = ((
  instance: {
    addHook(
      name: 'onRequest',
      hook: (
        request: { raw: IncomingMessage },
        reply: { raw: ServerResponse; hijack(): unknown },
        done: FastifyDone,
      ) => void,
    ): unknown;
  },
  options: Record<string, unknown>,
  done: FastifyDone,
) => void) & { [key: symbol]: unknown };

const optionsShape = z.strictObject({
  faults: z.array(z.unknown()).optional(),
  enabled: z.boolean().optional(),
  admin: z
    .strictObject({
      token: z.string().min(16, 'the token must be 16 characters or more; use a random secret'),
      path: z
        .string()
        .regex(/^\/\S*$/, 'a path starting with /')
        .optional(),
      maxBodyBytes: z
        .number()
        .int()
        .min(2)
        .max(16 * 1024 * 1024)
        .optional(),
    })
    .optional(),
});

function parseOptions(options: HttpFaultsOptions): z.infer<typeof optionsShape> {
  if (options !== null && typeof options === 'object' && 'adminPath' in options) {
    throw new FaultlineError(
      'FAULTLINE_ERR_UNKNOWN_FIELD',
      'createHttpFaults: "adminPath" was replaced by "admin": { token, path }; the admin route is off unless you give it a token',
    );
  }
  return parseWith(optionsShape, options, 'createHttpFaults options');
}

/**
 * Faults for an HTTP server: latency, an error status, a dropped connection, a slow body,
 * scoped by route (`url` pattern), `httpMethods`, `header` and `probability`. Off unless
 * FAULTLINE_INJECT is on (or `enabled: true`); the admin route is off unless `admin` is given.
 */
export function createHttpFaults(options: HttpFaultsOptions = {}): HttpFaults {
  const settings = parseOptions(options);
  if (!faultsEnabled(settings.enabled)) return inert();
  let armed: ArmedFault[] = armHttp(settings.faults ?? []);
  let replaced = releaseSignal();
  const set = (faults: unknown) => {
    armed = armHttp(faults);
    replaced.abort();
    replaced = releaseSignal();
  };
  const admin =
    settings.admin &&
    createAdminRoute(
      {
        token: settings.admin.token,
        path: settings.admin.path ?? DEFAULT_ADMIN_PATH,
        maxBodyBytes: settings.admin.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      },
      {
        replace: set,
        clear: () => set([]),
        describe: () => ({
          faults: armed.map(({ name, decider }) => ({
            ...decider.fault,
            name,
            explanation: explainFault(decider.fault, 'requests', { errorAnswers: true }),
          })),
        }),
      },
    );

  /** Returns true when it took over the response (the request must not go on). */
  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    url = requestedUrl(request),
  ): Promise<boolean> {
    if (admin && (request.url ?? '/').split('?')[0] === admin.path) {
      await admin.serve(request, response);
      return true;
    }
    const chosen = choose(
      armed,
      { url, httpMethod: request.method ?? 'GET', headers: request.headers },
      'http-server',
    );
    if (!chosen) return false;
    const { fault } = chosen;
    const { signal } = replaced;
    if (fault.delay) {
      const cut = await holdFor(fault.delay, signal, response);
      // Faults replaced or cleared while it waited: off means off, the request goes on untouched.
      // A client gone meanwhile sees no effect, and its request is dropped as a network would.
      // Either way, only the delay happened.
      if (cut) {
        chosen.cutShort(cut.heldMs, cut.by);
        return cut.by === 'client';
      }
    }
    chosen.tookEffect();
    if (fault.abort) {
      request.socket.destroy();
      return true;
    }
    if (fault.status !== undefined || fault.error !== undefined) {
      const status = fault.status ?? 500;
      const body =
        fault.error !== undefined ? (fault.body ?? errorOf(fault).message) : answerBody(status, fault.body);
      // A 204, 205 or 304 has no body. Node frames a 205 as any other answer unless told its
      // length is 0 (RFC 9110 asks for that); a 204 or 304 must not have one.
      if (body === null) {
        const length: Record<string, string> = status === 205 ? { 'Content-Length': '0' } : {};
        response.writeHead(status, { ...length, 'X-Faultline-Fault': 'injected' });
        response.end();
        return true;
      }
      response.writeHead(status, { 'Content-Type': 'text/plain', 'X-Faultline-Fault': 'injected' });
      response.end(body);
      return true;
    }
    if (fault.slowBody) slowDown(response, fault.slowBody, signal);
    return false;
  }

  const fastify = ((instance, options, done) => {
    const refused = fastifyOptionsError(options);
    if (refused) return done(refused);
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
    enabled: true,
    middleware: (request, response, next) => {
      refuseKoaCall(response);
      handle(request, response).then((handled) => (handled ? undefined : next()), next);
    },
    koa: async (context, next) => {
      if (await handle(context.req, context.res, context.originalUrl ?? requestedUrl(context.req))) {
        context.respond = false;
        return;
      }
      await next();
    },
    wrap: (listener) => (request, response) =>
      void handle(request, response).then((handled) => (handled ? undefined : listener(request, response))),
    fastify,
    set,
    list: () => armed.map(({ decider }) => decider.fault),
  };
}

/**
 * The URL the client asked for. Express and connect take the path a middleware is mounted on
 * (`app.use('/api', …)`) off `request.url` and keep the whole URL in `originalUrl`: a fault's
 * `url` is matched against that, as on node:http and Fastify, so `^/api/users` matches there too.
 */
function requestedUrl(request: IncomingMessage & { originalUrl?: unknown }): string {
  return typeof request.originalUrl === 'string' ? request.originalUrl : (request.url ?? '/');
}

/**
 * The plugin's hook applies to the whole app and its faults come from createHttpFaults, so an
 * option given to register() (a `prefix`, `faults`) would be ignored: it is refused instead.
 */
function fastifyOptionsError(options: unknown): Error | undefined {
  const keys = options !== null && typeof options === 'object' ? Object.keys(options) : [];
  if (keys.length === 0) return undefined;
  return new TypeError(
    `fastify.register(faults.fastify) takes no options, and ${keys.map((key) => JSON.stringify(key)).join(', ')} would be ignored: its hook sees every request of the app, and its faults are those of createHttpFaults({ faults }); to scope them to a path, give each fault a "url" such as "^/api/"`,
  );
}

/**
 * Koa calls a middleware with (context, next): given the connect middleware, it would hand a
 * function where the response goes, and every request would fail on an error far from the cause.
 * A TypeError, as for any wrong argument: the app answers 500, its error handler names the fix.
 */
function refuseKoaCall(response: unknown): void {
  if (typeof response === 'function')
    throw new TypeError(
      'faults.middleware is an Express/connect middleware (request, response, next) and was called as a Koa one (context, next); in Koa write app.use(faults.koa)',
    );
}

/**
 * Holds a request for `ms`, or until the faults are replaced or the client goes away (the
 * response closes unfinished): undefined when it held in full, else how long it held and what cut
 * it short.
 */
async function holdFor(
  ms: number,
  replaced: AbortSignal,
  response: ServerResponse,
): Promise<{ heldMs: number; by: 'client' | 'replaced' } | undefined> {
  const started = performance.now();
  const clientGone = new AbortController();
  const onClose = () => clientGone.abort();
  response.once('close', onClose);
  await delay(ms, AbortSignal.any([replaced, clientGone.signal]));
  response.off('close', onClose);
  const by = replaced.aborted ? 'replaced' : clientGone.signal.aborted ? 'client' : undefined;
  return by === undefined ? undefined : { heldMs: performance.now() - started, by };
}

/** Aborted when the faults are replaced; every request a fault holds listens to it. */
function releaseSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Faults off: nothing is armed, no route is served, every request goes straight on. */
function inert(): HttpFaults {
  const fastify = ((_instance, options, done) => done(fastifyOptionsError(options))) as FastifyPlugin;
  fastify[Symbol.for('skip-override')] = true;
  return {
    enabled: false,
    middleware: (_request, response, next) => {
      refuseKoaCall(response);
      next();
    },
    koa: (_context, next) => next().then(() => undefined),
    wrap: (listener) => listener,
    fastify,
    set: () => undefined,
    list: () => [],
  };
}
