import { maskDeclaredSecrets } from '../secret-mask.js';
import type { Journal, SteadyState } from '../journal.js';
import { describeOutcome } from './outcome.js';
import { prometheusSeries } from './series.js';
import { faultsLeft, haltOutcomes } from './faults-left.js';
import { methodNotRun } from './method-not-run.js';
import { rollbacksNotPlayed } from './not-played.js';
import { formatSeconds, timeline } from './timeline.js';

const cell = (text: unknown) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

/** A Markdown report: summary, hypothesis checks, a timeline table, method and rollbacks. */
export function markdownReport(written: Journal): string {
  // Journals from chaos run hold secrets in clear; faultline's are masked already.
  const journal = maskDeclaredSecrets(written);
  const experiment = journal.experiment as Record<string, unknown>;
  const notPlayed = rollbacksNotPlayed(journal);
  const lines = [
    `# ${experiment.title}`,
    '',
    String(experiment.description ?? ''),
    '',
    `| | |`,
    `|---|---|`,
    `| Status | **${journal.status}**${journal.deviated ? ' (deviated)' : ''}${journal.interruption ? `: ${cell(journal.interruption)}` : ''} |`,
    ...(journal.faults_left?.length ? [`| Faults left | ${cell(faultsLeft(journal.faults_left))} |`] : []),
    ...haltOutcomes(journal).map(({ label, text }) => `| ${label} | ${cell(text)} |`),
    ...(notPlayed.length ? [`| Rollbacks not played | ${cell(notPlayed.join(', '))} |`] : []),
    `| Started | ${journal.start} |`,
    `| Ended | ${journal.end} |`,
    `| Duration | ${formatSeconds(journal.duration)} |`,
    `| Node | ${journal.node} (${journal.platform}) |`,
    ...(Array.isArray(experiment.tags) && experiment.tags.length
      ? [`| Tags | ${experiment.tags.join(', ')} |`]
      : []),
    '',
    '## Steady-state hypothesis',
    '',
    ...hypothesisSection('Before the method', journal.steady_states.before),
    ...hypothesisSection('After the method', journal.steady_states.after),
    ...(journal.steady_states.during.length
      ? [
          `During the method: ${journal.steady_states.during.filter((state) => state.steady_state_met).length} of ${journal.steady_states.during.length} checks met.`,
          '',
        ]
      : []),
    '## Timeline',
    '',
    '| at | phase | activity | status | took | outcome |',
    '|---|---|---|---|---|---|',
    ...timeline(journal).map(
      (item) =>
        `| ${formatSeconds(item.from)} | ${item.phase} | ${cell(item.name)} (${item.kind}) | ${item.status} | ${formatSeconds(item.to - item.from)} | ${cell(item.detail)} |`,
    ),
    '',
    ...(journal.run.length === 0 ? [`Method: ${methodNotRun(journal)}`, ''] : []),
    ...seriesSection(journal),
  ];
  return lines.join('\n');
}

function hypothesisSection(label: string, state: SteadyState | null): string[] {
  if (!state) return [`${label}: not checked.`, ''];
  return [
    `${label}: **${state.steady_state_met ? 'met' : 'not met'}**`,
    '',
    '| probe | tolerance | met | output |',
    '|---|---|---|---|',
    ...state.probes.map(
      (entry) =>
        `| ${cell((entry.activity as { name?: string }).name)} | ${cell(JSON.stringify((entry.activity as { tolerance?: unknown }).tolerance))} | ${entry.tolerance_met ? 'yes' : 'no'} | ${cell(describeOutcome(entry))} |`,
    ),
    '',
  ];
}

/** The Prometheus range answers of the run, one sparkline per series. */
function seriesSection(journal: Journal): string[] {
  const rows = prometheusSeries(journal);
  if (rows.length === 0) return [];
  return [
    '## Prometheus series',
    '',
    '| probe | series | min | max | last | over the range |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${cell(row.probe)} | ${cell(row.series)} | ${row.min} | ${row.max} | ${row.last} | ${row.sparkline} |`,
    ),
    '',
  ];
}
