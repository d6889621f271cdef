import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDirectory } from './helpers.js';

// `report -o FILE` chose HTML for ".html" only: "report.htm" or "REPORT.HTML" got Markdown, and
// "report.pdf" got Markdown under a name that promises something else, without a word.

const directory = tempDirectory('report-format');
const journal = join(directory, 'journal.json');
writeFileSync(
  journal,
  JSON.stringify({
    experiment: { title: 't', description: 'd', method: [] },
    start: '2026-12-04T22:45:42.575580',
    end: '2026-12-04T22:45:42.734740',
    duration: 0.1,
    status: 'completed',
    deviated: false,
    steady_states: { before: null, after: null, during: [] },
    run: [],
    rollbacks: [],
  }),
);

test('-o FILE.htm and FILE.HTML write HTML; .md, .markdown and no extension write Markdown', async () => {
  for (const [name, html] of [
    ['a.htm', true],
    ['b.HTML', true],
    ['c.md', false],
    ['d.markdown', false],
    ['e', false],
  ] as const) {
    const output = join(directory, name);
    const { code, stderr } = await runCli(['report', journal, '-o', output]);
    assert.equal(code, 0, stderr);
    const text = readFileSync(output, 'utf8');
    assert.equal(
      text.startsWith('<!doctype html>') || text.startsWith('<!DOCTYPE html>'),
      html,
      `${name}: ${text.slice(0, 40)}`,
    );
  }
});

test('-o with an extension that is neither is refused, unless --format says which', async () => {
  const output = join(directory, 'report.pdf');
  const refused = await runCli(['report', journal, '-o', output]);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    `faultline: -o ${output}: a report is HTML or Markdown, and ".pdf" is neither; name the file .html or .md, or give --format html or --format md\n`,
  );
  assert.equal(existsSync(output), false, 'nothing is written');
  const chosen = await runCli(['report', journal, '-o', output, '--format', 'md']);
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.match(readFileSync(output, 'utf8'), /^# t\n/);
});
