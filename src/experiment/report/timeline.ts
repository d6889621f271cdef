import type { ControlRecord } from '../controls/record.js';
import type { Journal, RunEntry } from '../journal.js';
import { describeOutcome } from './outcome.js';

/** One bar of the timeline: an activity or a hypothesis check, placed by its start and end. */
export interface TimelineItem {
  phase: 'hypothesis before' | 'method' | 'hypothesis during' | 'hypothesis after' | 'rollback' | 'control';
  name: string;
  kind: string;
  status: string;
  /** Offsets from the run's start, in seconds. */
  from: number;
  to: number;
  detail: string;
}

const seconds = (iso: string) => Date.parse(iso.slice(0, 23) + 'Z') / 1000 + Number(iso.slice(23, 26)) / 1e6;

/** Every activity, hypothesis probe, control hook and safeguard probe of a journal, in time order. */
export function timeline(journal: Journal): TimelineItem[] {
  const origin = seconds(journal.start);
  const item = (phase: TimelineItem['phase'], entry: RunEntry): TimelineItem => {
    const activity = entry.activity as { name?: string; type?: string };
    const met = entry.tolerance_met;
    // A probe that could not run (failed) is not one that answered out of tolerance (not met).
    const status =
      entry.status === undefined
        ? 'interrupted'
        : met === false && entry.status === 'succeeded'
          ? 'not met'
          : entry.status;
    return {
      phase,
      name: String(activity.name ?? ''),
      kind: String(activity.type ?? ''),
      status,
      from: seconds(entry.start) - origin,
      to: (entry.end ? seconds(entry.end) : seconds(entry.start)) - origin,
      detail: describeOutcome(entry),
    };
  };
  const { before, after, during } = journal.steady_states;
  return [
    ...(before?.probes ?? []).map((entry) => item('hypothesis before', entry)),
    ...journal.run.map((entry) => item('method', entry)),
    ...during.flatMap((state) => state.probes.map((entry) => item('hypothesis during', entry))),
    ...(after?.probes ?? []).map((entry) => item('hypothesis after', entry)),
    ...journal.rollbacks.map((entry) => item('rollback', entry)),
    ...(journal.controls ?? []).map((record) => controlItem(record, origin)),
  ].sort((a, b) => a.from - b.from);
}

function controlItem(record: ControlRecord, origin: number): TimelineItem {
  const safeguard = record.level === 'safeguard';
  const detail = record.run ? describeOutcome(record.run) : (record.message ?? '');
  return {
    phase: 'control',
    name: safeguard
      ? `${record.control}: ${record.target}`
      : `${record.control} ${record.hook} (${record.target})`,
    kind: safeguard ? 'safeguard' : `${record.provider} control`,
    status: record.triggered ? 'interrupted the run' : record.status,
    from: seconds(record.start) - origin,
    to: seconds(record.end) - origin,
    detail,
  };
}

export function formatSeconds(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}
