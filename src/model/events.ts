import type { Stream, ToxicSpec } from './toxic.js';

export interface ProxySummary {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** Everything the engine reports. The server turns these into /events, metrics and logs. */
export type EngineEvent =
  | { type: 'proxy.created'; proxy: ProxySummary }
  | { type: 'proxy.updated'; proxy: ProxySummary }
  | { type: 'proxy.deleted'; proxy: ProxySummary }
  | { type: 'toxic.added'; proxy: string; toxic: ToxicSpec; explanation: string }
  | { type: 'toxic.updated'; proxy: string; toxic: ToxicSpec; explanation: string }
  | { type: 'toxic.removed'; proxy: string; toxic: ToxicSpec }
  | { type: 'connection.opened'; proxy: string; connection: number; client: string }
  | {
      type: 'connection.closed';
      proxy: string;
      connection: number;
      client: string;
      bytes: Record<Stream, number>;
      durationMs: number;
    }
  | { type: 'connection.failed'; proxy: string; client: string; upstream: string; error: string }
  | {
      type: 'toxic.fired';
      proxy: string;
      toxic: string;
      toxicType: string;
      stream: Stream;
      connection: number;
      action: string;
    };

export type EngineEventType = EngineEvent['type'];
