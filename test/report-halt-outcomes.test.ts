import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJournal } from '../src/experiment/journal.js';
import { htmlReport } from '../src/experiment/report/html.js';
import { markdownReport } from '../src/experiment/report/markdown.js';

function haltedJournal() {
  const journal = createJournal({ title: 'halted', method: [] }, undefined);
  journal.status = 'interrupted';
  journal.interruption = 'halted: the database is on fire';
  journal.faults_undone_for_halt = ['undone: added latency toxic slow on db'];
  journal.faults_left_alone_for_halt = [
    'left: proxy api is not the one run r1 made (upstream 127.0.0.1:6000, was 127.0.0.1:5432)',
  ];
  return journal;
}

test('both reports say what a halt undid for the run and what it left alone', () => {
  const markdown = markdownReport(haltedJournal());
  assert.ok(markdown.includes('| Undone for the halt | undone: added latency toxic slow on db |'), markdown);
  assert.match(
    markdown,
    /\| Left alone by the halt \| left: proxy api is not the one run r1 made \(upstream 127\.0\.0\.1:6000, was 127\.0\.0\.1:5432\)\. Someone made these again under the same name; delete them yourself if they should go\. \|/,
  );
  const html = htmlReport(haltedJournal());
  assert.ok(
    html.includes('<p class="halt-outcome">Undone for the halt: undone: added latency toxic slow on db</p>'),
  );
  assert.match(
    html,
    /<p class="halt-outcome">Left alone by the halt: left: proxy api is not the one run r1 made/,
  );
});

test('a run no halt touched has neither line', () => {
  const journal = createJournal({ title: 'quiet', method: [] }, undefined);
  assert.doesNotMatch(markdownReport(journal), /halt/i);
  assert.doesNotMatch(htmlReport(journal), /halt-outcome/);
});
