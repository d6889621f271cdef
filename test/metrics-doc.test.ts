import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { startHarness } from './helpers.js';

const harness = await startHarness();

test('every metric /metrics exposes is in docs/metrics.md, and the page names none it lacks', async () => {
  const exposed = new Set(
    (await harness.api('GET', '/metrics')).text
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ')[2]!)
      // The default process and runtime metrics are documented as faultline_process_*, faultline_nodejs_*.
      .filter((name) => !/^faultline_(process|nodejs)_/.test(name)),
  );
  const page = await readFile(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  const documented = new Set(
    [...page.matchAll(/^\| `((?:faultline|toxiproxy)_[a-z_]+)`/gm)].map((match) => match[1]!),
  );
  assert.ok(exposed.has('faultline_datagrams_dropped_total'));
  assert.deepEqual([...exposed].sort(), [...documented].sort());
});
