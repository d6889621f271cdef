import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readLedger } from '../src/experiment/ledger.js';
import { describeOutcome, nothingLeftOf, notOursOf, undo, undoLedger } from '../src/experiment/rollback.js';
import type { LedgerEntry } from '../src/model/ledger.js';
import { createProxy, startHarness, tempDirectory } from './helpers.js';
import { RECORDED, writeLeftLedger } from './ledger-helpers.js';

/**
 * rollback.ts driven in process (so Stryker sees it) against a real faultline server and real
 * ledger files: what `faultline rollback`, its --dry-run and `faultline halt` decide for a proxy
 * or toxic a run made, once someone changed it, removed it, or a live run made it again.
 */

const harness = await startHarness();

const LATER = '2026-01-01T00:00:02.000Z';

/**
 * Proxy `api` (upstream 127.0.0.1:9) and latency toxic `slow` (50 ms) on proxy `db`, made on the
 * server now, and the ledger entries a run that made them writes, with what it made.
 */
async function madeByARun(prefix: string) {
  const api = `${prefix}-api`;
  const db = `${prefix}-db`;
  const proxy = await createProxy(harness, api, '127.0.0.1:9');
  await createProxy(harness, db, '127.0.0.1:9');
  const added = await harness.api('POST', `/proxies/${db}/toxics`, {
    name: 'slow',
    type: 'latency',
    attributes: { latency: 50 },
  });
  assert.equal(added.status, 200, added.text);
  // What the run recorded as made: the toxic as the server showed it, without its name.
  const toxic = Object.fromEntries(
    Object.entries(added.json as object).filter(([field]) => field !== 'name'),
  );
  const entries = [
    {
      server: harness.url,
      description: `created proxy ${api}`,
      undo: { kind: 'delete-proxy', proxy: api, made: { listen: proxy.listen, upstream: '127.0.0.1:9' } },
    },
    {
      server: harness.url,
      description: `added latency toxic slow on ${db}`,
      undo: { kind: 'remove-toxic', proxy: db, toxic: 'slow', made: toxic },
    },
  ];
  return { api, db, listen: proxy.listen, entries };
}

/** What --dry-run decides for each entry, newest first: [nothing left (why), not ours (why)]. */
async function preview(entries: readonly LedgerEntry[]) {
  const decided = [];
  for (const entry of [...entries].reverse())
    decided.push([await nothingLeftOf(entry), await notOursOf(entry)]);
  return decided;
}

describe('rollback of a left-behind ledger against a real server', () => {
  test('a proxy made again by hand with another upstream, and a toxic with another latency, are left and said to be', async () => {
    const { api, db, listen, entries } = await madeByARun('byhand');
    await harness.api('DELETE', `/proxies/${api}`);
    await createProxy(harness, api, '127.0.0.1:6000', { listen });
    await harness.api('DELETE', `/proxies/${db}/toxics/slow`);
    await harness.api('POST', `/proxies/${db}/toxics`, {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 900 },
    });
    const path = writeLeftLedger(join(tempDirectory('rollback-undo'), 'ledger'), 'byhand-run', entries);
    const ledger = readLedger(path);

    const toxicWhy = `toxic slow on proxy ${db} is not the one the run added (latency 900, was 50); remove it yourself if it should go`;
    const proxyWhy = `proxy ${api} is not the one the run made (upstream 127.0.0.1:6000, was 127.0.0.1:9); delete it yourself if it should go`;
    assert.deepEqual(await preview(ledger.entries), [
      [undefined, toxicWhy],
      [undefined, proxyWhy],
    ]);

    const lines: string[] = [];
    assert.deepEqual(await undoLedger(ledger, (line) => lines.push(line)), { failed: 0 });
    assert.deepEqual(lines, [
      `left: added latency toxic slow on ${db} (${harness.url}): ${toxicWhy}`,
      `left: created proxy ${api} (${harness.url}): ${proxyWhy}`,
    ]);
    assert.equal((await harness.api('GET', `/proxies/${api}`)).json.upstream, '127.0.0.1:6000');
    assert.equal((await harness.api('GET', `/proxies/${db}/toxics/slow`)).json.attributes.latency, 900);
    assert.equal(existsSync(path), false, 'both entries are settled, so the ledger is finished');
  });

  test('halt leaves them too: undo in halt mode answers "left" with why', async () => {
    const { api, listen, entries } = await madeByARun('halt');
    await harness.api('DELETE', `/proxies/${api}`);
    await createProxy(harness, api, '127.0.0.1:7000', { listen });
    const entry = { seq: 1, time: RECORDED, ...entries[0] } as LedgerEntry;
    assert.deepEqual(await undo(entry, undefined, 'halt'), {
      result: 'left',
      note: `proxy ${api} is not the one the run made (upstream 127.0.0.1:7000, was 127.0.0.1:9); delete it yourself if it should go`,
    });
    assert.equal((await harness.api('GET', `/proxies/${api}`)).status, 200);
  });

  test('what the run made, unchanged, is undone', async () => {
    const { api, db, entries } = await madeByARun('unchanged');
    const path = writeLeftLedger(join(tempDirectory('rollback-undo'), 'ledger'), 'unchanged-run', entries);
    const ledger = readLedger(path);
    assert.deepEqual(await preview(ledger.entries), [
      [undefined, undefined],
      [undefined, undefined],
    ]);
    const lines: string[] = [];
    assert.deepEqual(await undoLedger(ledger, (line) => lines.push(line)), { failed: 0 });
    assert.deepEqual(lines, [
      `undone: added latency toxic slow on ${db} (${harness.url})`,
      `undone: created proxy ${api} (${harness.url})`,
    ]);
    assert.equal((await harness.api('GET', `/proxies/${api}`)).status, 404);
    assert.equal((await harness.api('GET', `/proxies/${db}/toxics/slow`)).status, 404);
    assert.equal(existsSync(path), false);
  });

  test('a fault already gone is settled as already gone: neither failed nor undone', async () => {
    const { api, db, entries } = await madeByARun('gone');
    await harness.api('DELETE', `/proxies/${api}`);
    await harness.api('DELETE', `/proxies/${db}/toxics/slow`);
    const path = writeLeftLedger(join(tempDirectory('rollback-undo'), 'ledger'), 'gone-run', entries);
    const ledger = readLedger(path);
    assert.deepEqual(await preview(ledger.entries), [
      [`${harness.url} answers: get toxic slow of ${db}: HTTP 404: toxic not found`, undefined],
      [`${harness.url} answers: get proxy ${api}: HTTP 404: proxy not found`, undefined],
    ]);
    const lines: string[] = [];
    assert.deepEqual(await undoLedger(ledger, (line) => lines.push(line)), { failed: 0 });
    assert.deepEqual(lines, [
      `already gone: added latency toxic slow on ${db} (${harness.url})`,
      `already gone: created proxy ${api} (${harness.url})`,
    ]);
    assert.equal(existsSync(path), false, 'settled: never undone again');
  });

  test('an entry a live run made again later is settled untouched, and says which run undoes it', async () => {
    const { api, db, entries } = await madeByARun('superseded');
    const directory = join(tempDirectory('rollback-undo'), 'ledger');
    const killed = writeLeftLedger(directory, 'killed-run', entries);
    const alive = writeLeftLedger(
      directory,
      'alive-run',
      entries.map((entry) => ({ ...entry, time: LATER })),
    );
    const aliveBefore = readFileSync(alive, 'utf8');
    const lines: string[] = [];
    const outcome = await undoLedger(readLedger(killed), (line) => lines.push(line), [readLedger(alive)]);
    assert.deepEqual(outcome, { failed: 0 });
    const why = `run alive-run made it again at ${LATER}, so this run's was gone by then; that run's own ledger undoes it`;
    assert.deepEqual(lines, [
      `already gone: added latency toxic slow on ${db} (${harness.url}) (${why})`,
      `already gone: created proxy ${api} (${harness.url}) (${why})`,
    ]);
    assert.equal((await harness.api('GET', `/proxies/${api}`)).status, 200, "the live run's proxy stays");
    assert.equal((await harness.api('GET', `/proxies/${db}/toxics/slow`)).status, 200, 'and its toxic');
    assert.equal(existsSync(killed), false, "the killed run's entries are settled");
    assert.equal(readFileSync(alive, 'utf8'), aliveBefore, "the live run's ledger is not touched");
  });

  test('a system fault is never "not ours": only proxies and toxics are compared', async () => {
    const entry = {
      seq: 1,
      time: RECORDED,
      description: 'paused process 1',
      undo: { kind: 'resume-process', process: { pid: 1, startTime: '1' } },
    } as LedgerEntry;
    assert.equal(await notOursOf(entry), undefined);
  });
});

describe('describeOutcome: the line each outcome prints', () => {
  const entry = {
    seq: 1,
    time: RECORDED,
    server: 'http://127.0.0.1:8474',
    description: 'created proxy api',
    undo: { kind: 'delete-proxy', proxy: 'api' },
  } as LedgerEntry;

  test("left says why after a colon; one without a reason says it is not the run's any more", () => {
    assert.equal(
      describeOutcome(entry, { result: 'left', note: 'proxy api is not the one the run made' }),
      'left: created proxy api (http://127.0.0.1:8474): proxy api is not the one the run made',
    );
    assert.equal(
      describeOutcome(entry, { result: 'left' }),
      "left: created proxy api (http://127.0.0.1:8474): not the run's any more",
    );
  });

  test('undone and already gone put their note in parentheses, and nothing without one', () => {
    assert.equal(
      describeOutcome(entry, { result: 'undone', note: 'left enabled: halt disables no proxy' }),
      'undone: created proxy api (http://127.0.0.1:8474) (left enabled: halt disables no proxy)',
    );
    assert.equal(
      describeOutcome({ ...entry, server: 'http://127.0.0.1:8474/' }, { result: 'already gone' }),
      'already gone: created proxy api (http://127.0.0.1:8474/)',
    );
  });
});
