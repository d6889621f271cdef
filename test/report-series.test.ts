import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJournal, type RunEntry } from '../src/experiment/journal.js';
import { prometheusSeries, sparkline } from '../src/experiment/report/series.js';

test('a sparkline runs from the lower of 0 and the minimum to the maximum', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([1, 1, 1]), '███');
  assert.equal(sparkline([0, 0]), '▁▁');
  assert.equal(sparkline([-2, 2]), '▁█');
  assert.equal(sparkline([]), '');
});

test('a long series is cut into 60 buckets drawn at their minimum, so a one-point dip still shows', () => {
  const values = Array.from({ length: 600 }, (_, index) => (index === 301 ? 0 : 1));
  assert.equal(sparkline(values), `${'█'.repeat(30)}▁${'█'.repeat(29)}`);
});

function rangeProbe(name: string, values: number[]): RunEntry {
  return {
    activity: { type: 'probe', name },
    output: {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [{ metric: { __name__: 'up', job: name }, values: values.map((v, i) => [i, String(v)]) }],
      },
    },
    start: '',
  };
}

test('the series table has range probes from every phase, the checks during the method included', () => {
  const journal = createJournal({ title: 't' }, undefined);
  journal.steady_states.before = { steady_state_met: true, probes: [rangeProbe('before', [1])] };
  journal.run.push(rangeProbe('method', [2]));
  journal.steady_states.during.push({ steady_state_met: false, probes: [rangeProbe('during', [0, 3])] });
  journal.steady_states.after = { steady_state_met: true, probes: [rangeProbe('after', [4])] };
  journal.rollbacks.push(rangeProbe('rollback', [5]));
  const rows = prometheusSeries(journal);
  assert.deepEqual(
    rows.map((row) => [row.probe, row.series, row.min, row.max, row.last]),
    [
      ['before', 'up{job="before"}', 1, 1, 1],
      ['method', 'up{job="method"}', 2, 2, 2],
      ['during', 'up{job="during"}', 0, 3, 3],
      ['after', 'up{job="after"}', 4, 4, 4],
      ['rollback', 'up{job="rollback"}', 5, 5, 5],
    ],
  );
});
