import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

const harness = await startHarness();

/** Each metric's name and type, from the `# TYPE` lines of a scrape. */
async function metricTypes(): Promise<Array<[name: string, type: string]>> {
  const { text } = await harness.api('GET', '/metrics');
  return text
    .split('\n')
    .filter((line) => line.startsWith('# TYPE '))
    .map((line) => {
      const [, , name = '', type = ''] = line.split(' ');
      return [name, type];
    });
}

test('a metric is named _total exactly when it is a counter, as promtool check metrics requires', async () => {
  const types = await metricTypes();
  assert.ok(types.length > 20, 'the scrape has the process and runtime metrics too');
  const misnamed = types.filter(([name, type]) => name.endsWith('_total') !== (type === 'counter'));
  assert.deepEqual(misnamed, []);
  // What the dropped gauges said is the sum of the per-type ones, which stay.
  const names = new Set(types.map(([name]) => name));
  assert.ok(names.has('faultline_nodejs_active_handles'));
  assert.ok(names.has('faultline_nodejs_active_requests'));
});
