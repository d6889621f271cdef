import { Command } from 'commander';
import { integer } from './integer-option.js';
import type { FaultlineClient, ServerEvent } from '../client/index.js';
import { FaultlineApiError } from '../client/errors.js';
import { clockTime } from '../model/clock-time.js';
import { didYouMean } from '../model/closest-key.js';
import {
  connectionNoun,
  type EngineEvent,
  engineEventTypes,
  haltSummary,
  tlsFailureSentence,
  unknownEventTypes,
} from '../model/events.js';
import { NAME_CHARACTERS, NAME_PATTERN } from '../model/names.js';
import { describeStreamEvent } from '../model/stream-lines.js';
import { http2ErrorCode } from '../model/http2-error-codes.js';
import { whenStdoutCloses } from './closed-output.js';
import { clientFor, out, UsageError, withServerUrl } from './context.js';
import { safe, safeJson } from './terminal-text.js';

export function watchCommand(): Command {
  return withServerUrl(new Command('watch'))
    .description('follow the server: one line per change, connection and toxic that fires')
    .option(
      '--types <prefixes>',
      'only these event types or prefixes, comma-separated (e.g. toxic.fired,proxy)',
    )
    .option('--proxy <name>', "only this proxy's events")
    .option(
      '--since <id>',
      'first replay the events after this id',
      integer('--since', 0, Number.MAX_SAFE_INTEGER),
    )
    .option('--json', 'print each event as a JSON line')
    .addHelpText('after', '\nExample:\n  faultline watch --types toxic.fired,connection.failed\n')
    .action(
      async (
        options: { types?: string; proxy?: string; since?: number; json?: boolean },
        command: Command,
      ) => {
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        whenStdoutCloses(stop);
        const types = options.types?.split(',').filter(Boolean);
        if (types !== undefined) checkTypes(options.types ?? '', types);
        if (options.proxy !== undefined) checkProxy(options.proxy);
        const client = clientFor(command);
        if (options.proxy !== undefined) await sayWhenProxyIsMissing(client, options.proxy);
        const events = client.events({
          signal: controller.signal,
          ...(types ? { types } : {}),
          ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
          ...(options.since === undefined ? {} : { since: options.since }),
        });
        let lastId: number | undefined;
        let closed: unknown;
        try {
          for await (const event of events) {
            if (Number.isSafeInteger(event.id)) lastId = event.id;
            out(options.json ? safeJson(withId(event), 0) : describe(event));
          }
        } catch (error) {
          if (!(error instanceof FaultlineApiError && error.code === 'FAULTLINE_ERR_STREAM_CLOSED'))
            throw error;
          closed = error;
        }
        if (controller.signal.aborted) return;
        // Watching goes on until Ctrl-C: a stream that ends is the server going away.
        throw new FaultlineApiError(
          'FAULTLINE_ERR_STREAM_CLOSED',
          0,
          `watch: the server at ${client.url} closed the event stream: it stopped or restarted`,
          {
            cause: closed,
            hint: `run faultline watch again once it is back${lastId === undefined ? '' : `; --since ${lastId} first replays what it still has after the last event shown`}`,
          },
        );
      },
    );
}

/** The event as a JSON line, with its stream id first (none on events.lost): what --since takes. */
function withId({ id, data }: ServerEvent): object {
  return Number.isSafeInteger(id) ? { id, ...data } : data;
}

/**
 * --proxy for a proxy the server does not have would print nothing, maybe forever: it may be
 * created later, so watching goes on, but stderr says so.
 */
async function sayWhenProxyIsMissing(client: FaultlineClient, name: string): Promise<void> {
  try {
    await client.proxy(name);
  } catch (error) {
    if (!(error instanceof FaultlineApiError && error.status === 404)) throw error;
    process.stderr.write(
      `faultline: watch: the server at ${client.url} has no proxy ${JSON.stringify(safe(name))} now; its events show once it is created ("faultline list" names the proxies there)\n`,
    );
  }
}

/**
 * A --proxy no proxy can have (empty, as an unset shell variable gives) would watch nothing, or,
 * dropped, every proxy: refused at once either way.
 */
function checkProxy(name: string): void {
  if (NAME_PATTERN.test(name)) return;
  throw new UsageError(
    `--proxy ${JSON.stringify(safe(name))} can name no proxy: a proxy name is one or more of ${NAME_CHARACTERS}; leave --proxy out to watch every proxy`,
  );
}

/** What a typo in --types is near: each event type and each prefix before its dot (toxic). */
const typeNames = [...new Set(engineEventTypes.flatMap((type) => [type.split('.')[0]!, type]))];

/** A --types filter that no event type passes would print nothing forever: refused at once. */
function checkTypes(given: string, types: string[]): void {
  const unknown = unknownEventTypes(types);
  if (types.length > 0 && unknown.length === 0) return;
  const hint = unknown.length > 0 ? didYouMean(unknown[0]!, typeNames) : '';
  throw new UsageError(
    `--types ${JSON.stringify(given)} names no event type${unknown.length > 0 ? `: no event type is or starts with ${unknown.map((type) => JSON.stringify(type)).join(', ')}` : ''}; ${hint}event types: ${engineEventTypes.join(', ')} (or a prefix such as proxy, toxic, connection, http)`,
  );
}

/** Wide enough for the longest event type, so the proxy column lines up under every type. */
const typeColumn = Math.max(...engineEventTypes.map((type) => type.length));

/** One readable line: time, type, proxy, then what happened; nothing from the server printed raw. */
export function describe({ time, data: event }: ServerEvent): string {
  // A server's own notice (events.lost) and a halt name no proxy; another server's event may have any shape.
  const named = (event as { proxy?: unknown }).proxy;
  const proxy = typeof named === 'string' ? named : ((named as { name?: unknown } | undefined)?.name ?? '');
  let what: string | undefined;
  try {
    // The server's own notice (events.lost) carries its sentence.
    what = event.type === 'events.lost' ? String(event.message) : detail(event);
  } catch {
    what = undefined;
  }
  // An event of a type or shape this version does not know (another server, a newer one): show it whole.
  what ??= JSON.stringify(event);
  return `${safe(clockTime(String(time)))}  ${safe(event.type).padEnd(typeColumn)} ${safe(proxy).padEnd(12)} ${safe(what)}`;
}

function detail(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'proxy.created':
    case 'proxy.updated':
      return `listen ${event.proxy.listen} upstream ${event.proxy.upstream} ${event.proxy.enabled ? 'enabled' : 'disabled'}${event.proxy.protocol ? ` (${event.proxy.protocol})` : ''}`;
    case 'proxy.deleted':
      return 'deleted';
    case 'toxic.added':
    case 'toxic.updated':
      return event.explanation;
    case 'toxic.removed':
      return `${event.toxic.name} removed`;
    case 'connection.opened':
      return `${connectionNoun(event)} #${event.connection} from ${event.client}`;
    case 'connection.closed':
      return `${connectionNoun(event)} #${event.connection} closed after ${event.durationMs} ms (${event.bytes.upstream} B up, ${event.bytes.downstream} B down)`;
    case 'connection.failed':
      return `${event.connection === undefined ? '' : `${connectionNoun(event)} #${event.connection} `}client ${event.client} could not reach upstream ${event.upstream}: ${event.error}`;
    case 'toxic.fired':
      return `${event.toxic} (${event.toxicType}, ${event.stream}) on ${connectionNoun(event)} #${event.connection}: ${event.action}`;
    case 'http.fault': {
      if (event.clientLeftAfterMs !== undefined)
        return `${event.method} ${event.path}: the client left after ${event.clientLeftAfterMs} ms${resetBy(event)} (${event.toxicType} ${event.toxic})`;
      if (event.clientLeft === true && event.status === undefined)
        return `${event.method} ${event.path}: the client left before its answer${resetBy(event)} (${event.toxicType} ${event.toxic})`;
      const outcome =
        (event.grpcCode !== undefined
          ? `gRPC ${event.grpcCode}`
          : event.status !== undefined
            ? String(event.status)
            : event.action) + unfinishedAnswer(event);
      const skipped =
        (event.heldMs === undefined ? '' : `, held ${event.heldMs} ms`) +
        (event.skipped === undefined ? '' : `; skipped ${event.skipped}`);
      // Another fault on the request decided what the client got: this one says what it did.
      if (event.statusBy !== undefined && event.statusBy !== event.toxic)
        return `${event.method} ${event.path} → ${outcome} set by ${event.statusBy} (${event.toxicType} ${event.toxic}: ${event.action}${skipped})`;
      return `${event.method} ${event.path} → ${outcome} (${event.toxicType} ${event.toxic}${skipped})`;
    }
    case 'http.upstream_failed':
      return event.cut
        ? `${event.method} ${event.path} → ${event.status} cut after ${event.bodyBytes} bytes of the body (${event.error})`
        : `${event.method} ${event.path} → ${event.grpcCode === undefined ? event.status : `gRPC ${event.grpcCode} (for ${event.status})`}: upstream ${event.upstream} failed (${event.error})`;
    case 'stream.opened':
    case 'stream.closed':
      return describeStreamEvent(event);
    case 'protocol.mismatch':
      return `connection #${event.connection} from ${event.client} sent ${event.received}${event.detail === undefined ? '' : ` (${event.detail})`}, which this proxy does not speak → ${event.answer}`;
    case 'halt':
      return haltSummary(event);
    case 'tls.failed':
      return tlsFailureSentence(event);
  }
}

/** How a client left an HTTP/2 stream, when it reset it: ` by RST_STREAM CANCEL (8)`. */
function resetBy(event: { rstCode?: number }): string {
  return event.rstCode === undefined ? '' : ` by RST_STREAM ${http2ErrorCode(event.rstCode)}`;
}

/** How an answer that did not reach its end stopped, after its status: `cut after 10 bytes …`. */
function unfinishedAnswer(event: { cut?: true; clientLeft?: true; bodyBytes?: number }): string {
  if (event.cut === true) return ` cut after ${event.bodyBytes} bytes of the body`;
  if (event.clientLeft === true) return `, the client left after ${event.bodyBytes} bytes of the body`;
  return '';
}
