import { connectionNoun, type HaltEvent, haltSummary, tlsFailureSentence } from '../model/events.js';
import { describeStreamEvent } from '../model/stream-lines.js';
import { http2ErrorCode } from '../model/http2-error-codes.js';
import type { ToxicJson } from '../model/wire.js';
import { proxyNameOf, type ServerEvent } from './events.js';

const known = new Set([
  'id',
  'time',
  'type',
  'proxy',
  'toxic',
  'toxicType',
  'stream',
  'connection',
  'action',
  'protocol',
]);

/** One line of the timeline for an event from /events; events of unknown types show their fields. */
export function describeEvent(event: ServerEvent): string {
  const proxy = proxyNameOf(event);
  const field = (name: string) => String(event[name] ?? '');
  const unit = connectionNoun(event);
  switch (event.type) {
    case 'toxic.fired':
      return `${proxy}: ${field('toxic')} (${field('toxicType')}, ${field('stream')}) ${field('action')} on ${unit} #${field('connection')}${extra(event)}`;
    case 'toxic.added':
    case 'toxic.updated':
      return `${proxy}: ${event.type === 'toxic.added' ? 'added' : 'changed'} ${field('explanation')}`;
    case 'toxic.removed': {
      const toxic = event.toxic as ToxicJson;
      return `${proxy}: removed ${toxic.name} (${toxic.type}, ${toxic.stream})`;
    }
    case 'proxy.created':
    case 'proxy.updated':
    case 'proxy.deleted': {
      const summary = event.proxy;
      const verb = event.type.slice('proxy.'.length);
      if (summary === undefined || typeof summary === 'string') return `${summary ?? proxy} ${verb}`;
      return `${proxy} ${verb}: ${summary.listen} → ${summary.upstream}${summary.protocol ? ` (${summary.protocol})` : ''}, ${summary.enabled ? 'enabled' : 'disabled'}`;
    }
    case 'connection.opened':
      return `${proxy}: ${unit} #${field('connection')} from ${field('client')}`;
    case 'connection.closed': {
      const bytes = event.bytes as { upstream: number; downstream: number };
      return `${proxy}: ${unit} #${field('connection')} closed after ${Math.round(Number(event.durationMs))} ms, ${bytes.upstream} B up, ${bytes.downstream} B down`;
    }
    case 'connection.failed':
      return `${proxy}: ${event.connection === undefined ? '' : `${unit} #${field('connection')}: `}${field('client')} could not reach ${field('upstream')}: ${field('error')}`;
    case 'http.fault': {
      const answer =
        event.clientLeftAfterMs !== undefined
          ? `: the client left after ${field('clientLeftAfterMs')} ms, before its answer${event.rstCode === undefined ? '' : ` (RST_STREAM ${http2ErrorCode(Number(event.rstCode))})`}`
          : event.status === undefined
            ? event.clientLeft === true
              ? ': the client left before its answer'
              : ''
            : ` → ${field('status')}${
                event.cut === true
                  ? ` cut after ${field('bodyBytes')} bytes of the body`
                  : event.clientLeft === true
                    ? `, the client left after ${field('bodyBytes')} bytes of the body`
                    : ''
              }`;
      const grpc = event.grpcCode === undefined ? '' : ` (gRPC status ${field('grpcCode')})`;
      const setBy =
        event.statusBy === undefined || event.statusBy === event.toxic ? '' : ` set by ${field('statusBy')}`;
      const held = event.heldMs === undefined ? '' : `, held ${field('heldMs')} ms`;
      return `${proxy}: ${field('toxic')} (${field('toxicType')}) ${field('action')} ${field('method')} ${field('path')}${answer}${grpc}${setBy}${held} on connection #${field('connection')}`;
    }
    case 'http.upstream_failed':
      return event.cut === true
        ? `${proxy}: ${field('method')} ${field('path')} → ${field('status')} cut after ${field('bodyBytes')} bytes of the body: ${field('error')}`
        : `${proxy}: ${field('method')} ${field('path')} → ${field('status')}${event.grpcCode === undefined ? '' : ` (gRPC status ${field('grpcCode')})`}, the upstream ${field('upstream')} failed: ${field('error')}`;
    case 'stream.opened':
    case 'stream.closed':
      return `${proxy}: ${describeStreamEvent(event as unknown as Parameters<typeof describeStreamEvent>[0])}`;
    case 'halt':
      return haltSummary(event as unknown as HaltEvent);
    case 'tls.failed':
      return `${proxy}: ${tlsFailureSentence(event)}`;
    case 'events.lost':
      return field('message');
    case 'protocol.mismatch':
      return `${proxy}: connection #${field('connection')} from ${field('client')} sent ${field('received')}${event.detail === undefined ? '' : ` (${field('detail')})`}, which this proxy does not speak → ${field('answer')}`;
    default:
      return `${proxy}: ${Object.entries(event)
        .filter(([key]) => !['id', 'time', 'type', 'proxy'].includes(key))
        .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
        .join(' ')}`;
  }
}

/** Fields beyond the ones every toxic event has, e.g. the request a per-request toxic acted on. */
function extra(event: ServerEvent): string {
  const rest = Object.entries(event).filter(([key]) => !known.has(key));
  if (rest.length === 0) return '';
  const method = event.method;
  const path = event.path;
  const request = typeof method === 'string' && typeof path === 'string' ? `${method} ${path}` : '';
  const others = rest
    .filter(([key]) => request === '' || (key !== 'method' && key !== 'path'))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  return ` — ${[request, ...others].filter(Boolean).join(' ')}`;
}
