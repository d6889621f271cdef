import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJournal, type RunEntry } from '../src/experiment/journal.js';
import { htmlReport } from '../src/experiment/report/html.js';
import { markdownReport } from '../src/experiment/report/markdown.js';
import { rollbacksNotPlayed } from '../src/experiment/report/not-played.js';

const action = (name: string) => ({ type: 'action', name, provider: { type: 'process', path: 'true' } });
const entry = (name: string, status?: 'succeeded'): RunEntry => ({
  activity: action(name),
  output: null,
  start: '2026-12-03T21:00:00.000000+00:00',
  ...(status ? { status } : {}),
});

function interruptedJournal() {
  const journal = createJournal(
    {
      title: 'cut short',
      method: [action('add-latency')],
      rollbacks: [action('slow-undo'), { ref: 'add-latency' }, action('remove-latency')],
    },
    undefined,
  );
  journal.status = 'interrupted';
  journal.interruption = 'SIGINT signal received';
  journal.rollbacks.push(entry('slow-undo'));
  return journal;
}

test('the declared rollbacks a journal has no entry for are named, a ref by the activity it names', () => {
  assert.deepEqual(rollbacksNotPlayed(interruptedJournal()), ['add-latency', 'remove-latency']);
});

test('a rollback declared twice and played once is named once', () => {
  const journal = createJournal({ title: 't', rollbacks: [action('undo'), action('undo')] }, undefined);
  journal.rollbacks.push(entry('undo', 'succeeded'));
  assert.deepEqual(rollbacksNotPlayed(journal), ['undo']);
  journal.rollbacks.push(entry('undo', 'succeeded'));
  assert.deepEqual(rollbacksNotPlayed(journal), []);
});

test('a journal without declared rollbacks (or from chaos run without them) names none', () => {
  assert.deepEqual(rollbacksNotPlayed(createJournal({ title: 't' }, undefined)), []);
});

test('both reports say which rollbacks were not played; a run that played them all says nothing', () => {
  const journal = interruptedJournal();
  assert.ok(
    markdownReport(journal).includes('| Rollbacks not played | add-latency, remove-latency |'),
    markdownReport(journal),
  );
  assert.ok(htmlReport(journal).includes('<p id="not-played">Not played: add-latency, remove-latency</p>'));
  journal.rollbacks.push(entry('add-latency', 'succeeded'), entry('remove-latency', 'succeeded'));
  assert.doesNotMatch(markdownReport(journal), /not played/);
  assert.doesNotMatch(htmlReport(journal), /not-played/);
});
