import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJournal, type RunEntry } from '../src/experiment/journal.js';
import { htmlReport } from '../src/experiment/report/html.js';
import { markdownReport } from '../src/experiment/report/markdown.js';

const probe = (name: string) => ({
  type: 'probe',
  name,
  tolerance: 200,
  provider: { type: 'http', url: 'http://127.0.0.1:9/' },
});

/** A gate hypothesis whose first probe could not run and whose second answered out of tolerance. */
function gateMissJournal() {
  const journal = createJournal({ title: 'gate', method: [] }, undefined);
  const errored: RunEntry = {
    activity: probe('unreachable'),
    output: null,
    start: '2026-12-04T03:23:49.191000+00:00',
    status: 'failed',
    exception: ['chaoslib.exceptions.ActivityFailed: failed to connect to http://127.0.0.1:9/'],
    end: '2026-12-04T03:23:49.196000+00:00',
    duration: 0.005,
    tolerance_met: false,
  };
  const missed: RunEntry = {
    activity: probe('answered-500'),
    output: { status: 500, headers: {}, body: '' },
    start: '2026-12-04T03:23:49.197000+00:00',
    status: 'succeeded',
    end: '2026-12-04T03:23:49.199000+00:00',
    duration: 0.002,
    tolerance_met: false,
  };
  journal.start = '2026-12-04T03:23:49.190000+00:00';
  journal.steady_states.before = { steady_state_met: false, probes: [errored, missed] };
  journal.status = 'failed';
  return journal;
}

test('a probe that could not run reads as failed in the timeline, one that answered out of tolerance as not met', () => {
  const markdown = markdownReport(gateMissJournal());
  assert.match(markdown, /^\| \S+ ms \| hypothesis before \| unreachable \(probe\) \| failed \|/m, markdown);
  assert.match(
    markdown,
    /^\| \S+ ms \| hypothesis before \| answered-500 \(probe\) \| not met \|/m,
    markdown,
  );
  const html = htmlReport(gateMissJournal());
  assert.match(html, /<div class="took">failed · 5 ms<\/div>/);
  assert.match(html, /<div class="took">not met · 2 ms<\/div>/);
});

test('both reports say the method was not run because the hypothesis was not met before it', () => {
  const journal = gateMissJournal();
  journal.status = 'completed';
  assert.match(
    markdownReport(journal),
    /^Method: Not run: the steady-state hypothesis was not met before it\.$/m,
  );
  assert.match(
    htmlReport(journal),
    /<h2>Method<\/h2>\n<p>Not run: the steady-state hypothesis was not met before it\.<\/p>/,
  );
  journal.steady_states.before = null;
  journal.status = 'interrupted';
  assert.match(markdownReport(journal), /^Method: Not run: the run was interrupted before it\.$/m);
});
