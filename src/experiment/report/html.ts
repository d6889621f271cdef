import { maskDeclaredSecrets } from '../secret-mask.js';
import type { Journal, RunEntry, SteadyState } from '../journal.js';
import { faultsLeft, haltOutcomes } from './faults-left.js';
import { methodNotRun } from './method-not-run.js';
import { rollbacksNotPlayed } from './not-played.js';
import { describeOutcome } from './outcome.js';
import { prometheusSeries } from './series.js';
import { formatSeconds, timeline } from './timeline.js';

const escape = (text: unknown) =>
  String(text ?? '').replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** Characters of an activity's output shown under its summary; the journal has the rest. */
const MAX_OUTPUT = 20_000;

const colours: Record<string, string> = {
  succeeded: '#2e7d32',
  failed: '#c62828',
  'not met': '#ef6c00',
  interrupted: '#6a1b9a',
};

/**
 * A self-contained HTML report (inline CSS, no scripts, no external resources): summary,
 * a timeline with one bar per activity and hypothesis probe, and the hypothesis tables.
 */
export function htmlReport(written: Journal): string {
  // Journals from chaos run hold secrets in clear; faultline's are masked already.
  const journal = maskDeclaredSecrets(written);
  const experiment = journal.experiment as Record<string, unknown>;
  const notPlayed = rollbacksNotPlayed(journal);
  const items = timeline(journal);
  const total = Math.max(journal.duration, ...items.map((item) => item.to), 0.001);
  const bars = items
    .map((item) => {
      const left = (item.from / total) * 100;
      const width = Math.max(((item.to - item.from) / total) * 100, 0.4);
      return `<div class="row" data-phase="${escape(item.phase)}" data-status="${escape(item.status)}">
  <div class="label"><span class="phase">${escape(item.phase)}</span> ${escape(item.name)}</div>
  <div class="track"><div class="bar" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;background:${colours[item.status] ?? '#455a64'}" title="${escape(`${item.status}, ${formatSeconds(item.to - item.from)}: ${item.detail}`)}"></div></div>
  <div class="took">${escape(item.status)} · ${escape(formatSeconds(item.to - item.from))}</div>
</div>`;
    })
    .join('\n');
  const status = `${journal.status}${journal.deviated ? ' (deviated)' : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(experiment.title)}: ${escape(status)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #212121; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } .description { color: #555; margin-top: 0; }
.status { display: inline-block; padding: .15rem .6rem; border-radius: 1rem; color: #fff; font-weight: 600; background: ${journal.status === 'completed' && !journal.deviated ? '#2e7d32' : '#c62828'}; }
.faults-left { border-left: 4px solid #c62828; padding: .3rem .6rem; background: #fdecea; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { color: #666; }
.timeline { border: 1px solid #ddd; border-radius: 6px; padding: .5rem; }
.row { display: grid; grid-template-columns: 18rem 1fr 9rem; gap: .6rem; align-items: center; padding: .15rem 0; }
.label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; } .phase { color: #888; font-size: .8em; }
.track { position: relative; height: 14px; background: #f3f3f3; border-radius: 3px; }
.bar { position: absolute; top: 0; bottom: 0; border-radius: 3px; }
.took { font-size: .85em; color: #555; } .spark { font-family: monospace; letter-spacing: -1px; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; } td, th { border-bottom: 1px solid #eee; padding: .3rem .4rem; text-align: left; vertical-align: top; }
code { font-size: .85em; word-break: break-word; }
details summary { color: #666; font-size: .8em; cursor: pointer; } pre { font-size: .8em; max-height: 24rem; overflow: auto; background: #fafafa; padding: .4rem; }
</style>
</head>
<body>
<h1>${escape(experiment.title)}</h1>
<p class="description">${escape(experiment.description)}</p>
<p><span class="status" id="status">${escape(status)}</span>${journal.interruption ? ` <span id="interruption">${escape(journal.interruption)}</span>` : ''}</p>
${
  journal.faults_left?.length
    ? `<p id="faults-left" class="faults-left">${escape(faultsLeft(journal.faults_left))}</p>
`
    : ''
}${haltOutcomes(journal)
    .map(({ label, text }) => `<p class="halt-outcome">${escape(label)}: ${escape(text)}</p>\n`)
    .join('')}<dl>
<dt>Started</dt><dd>${escape(journal.start)}</dd>
<dt>Ended</dt><dd>${escape(journal.end)}</dd>
<dt>Duration</dt><dd>${escape(formatSeconds(journal.duration))}</dd>
<dt>Node</dt><dd>${escape(journal.node)} (${escape(journal.platform)})</dd>
</dl>
<h2>Timeline</h2>
<div class="timeline" id="timeline">
${bars || '<p>Nothing ran.</p>'}
</div>
<h2>Steady-state hypothesis</h2>
${hypothesisTable('Before the method', journal.steady_states.before)}
${hypothesisTable('After the method', journal.steady_states.after)}
${journal.steady_states.during.length ? `<p>During the method: ${journal.steady_states.during.filter((state) => state.steady_state_met).length} of ${journal.steady_states.during.length} checks met.</p>` : ''}
<h2>Method</h2>
${activityTable(journal.run, methodNotRun(journal))}
<h2>Rollbacks</h2>
${activityTable(journal.rollbacks, 'None ran.')}
${notPlayed.length ? `<p id="not-played">Not played: ${escape(notPlayed.join(', '))}</p>` : ''}
${seriesTable(journal)}
</body>
</html>
`;
}

function hypothesisTable(label: string, state: SteadyState | null): string {
  if (!state) return `<h3>${escape(label)}</h3><p>Not checked.</p>`;
  const rows = state.probes
    .map(
      (entry) =>
        `<tr><td>${escape((entry.activity as { name?: string }).name)}</td><td><code>${escape(JSON.stringify((entry.activity as { tolerance?: unknown }).tolerance))}</code></td><td>${entry.tolerance_met ? 'yes' : 'no'}</td><td>${outcomeCell(entry)}</td></tr>`,
    )
    .join('');
  return `<h3>${escape(label)}: ${state.steady_state_met ? 'met' : 'not met'}</h3>
<table><thead><tr><th>Probe</th><th>Tolerance</th><th>Met</th><th>Output</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function activityTable(entries: RunEntry[], empty: string): string {
  if (entries.length === 0) return `<p>${escape(empty)}</p>`;
  const rows = entries
    .map((entry) => {
      const activity = entry.activity as { name?: string; type?: string };
      const took = entry.duration === undefined ? '' : formatSeconds(entry.duration);
      return `<tr><td>${escape(activity.name)} <span class="phase">${escape(activity.type)}</span></td><td>${escape(entry.status ?? 'interrupted')}</td><td>${escape(took)}</td><td>${outcomeCell(entry)}</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>Activity</th><th>Status</th><th>Took</th><th>Outcome</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The Prometheus range answers of the run, one sparkline per series. */
function seriesTable(journal: Journal): string {
  const rows = prometheusSeries(journal)
    .map(
      (row) =>
        `<tr><td>${escape(row.probe)}</td><td><code>${escape(row.series)}</code></td><td>${row.min}</td><td>${row.max}</td><td>${row.last}</td><td class="spark" title="${row.points} points">${escape(row.sparkline)}</td></tr>`,
    )
    .join('');
  if (!rows) return '';
  return `<h2>Prometheus series</h2>
<table><thead><tr><th>Probe</th><th>Series</th><th>Min</th><th>Max</th><th>Last</th><th>Over the range</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The one-line outcome, with the whole output folded under it. */
function outcomeCell(entry: RunEntry): string {
  const summary = `<code>${escape(describeOutcome(entry))}</code>`;
  if (entry.output === null || typeof entry.output !== 'object' || entry.exception?.length) return summary;
  const whole = JSON.stringify(entry.output, null, 2);
  const shown =
    whole.length > MAX_OUTPUT
      ? `${whole.slice(0, MAX_OUTPUT)}\n... (${whole.length - MAX_OUTPUT} more characters in the journal)`
      : whole;
  return `${summary}<details><summary>output</summary><pre>${escape(shown)}</pre></details>`;
}
