import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FaultlineApiError } from '../src/client/errors.js';
import { closedPort } from './helpers.js';
import { openLedger, readLedger } from '../src/experiment/ledger.js';
import {
  describeEntry,
  explainUndo,
  forgetAdvice,
  leftByHalt,
  nothingLeftOf,
  undo,
  undoEach,
  undoEntries,
  undoLedger,
} from '../src/experiment/rollback.js';
import { undoForHalt } from '../src/experiment/halt-undo.js';
import { type LedgerEntry, noLedger } from '../src/model/ledger.js';

const entry = (undo: LedgerEntry['undo'], server?: string): LedgerEntry => ({
  seq: 1,
  time: '2026-12-02T09:00:00.000Z',
  description: 'a recorded fault',
  ...(server === undefined ? {} : { server }),
  undo,
});

describe('explainUndo: the request each proxy undo makes', () => {
  test('each kind, with names escaped for the URL, on the recorded server or the default one', () => {
    const server = 'http://127.0.0.1:9999';
    assert.deepEqual(
      [
        explainUndo(entry({ kind: 'delete-proxy', proxy: 'a b' }, server)),
        explainUndo(entry({ kind: 'remove-toxic', proxy: 'db', toxic: 'lag/1' }, server)),
        explainUndo(entry({ kind: 'update-proxy', proxy: 'db', body: { enabled: true } }, server)),
        explainUndo(
          entry({ kind: 'update-toxic', proxy: 'db', toxic: 'lag', body: { toxicity: 0.5 } }, server),
        ),
        explainUndo(entry({ kind: 'delete-proxy', proxy: 'db' })),
      ],
      [
        'DELETE http://127.0.0.1:9999/proxies/a%20b',
        'DELETE http://127.0.0.1:9999/proxies/db/toxics/lag%2F1',
        'PATCH http://127.0.0.1:9999/proxies/db {"enabled":true}',
        'PATCH http://127.0.0.1:9999/proxies/db/toxics/lag {"toxicity":0.5}',
        'DELETE http://127.0.0.1:8474/proxies/db',
      ],
    );
  });
});

describe('undoEntries', () => {
  test('an undo that fails is reported and counted, is not settled, and the others still run', async () => {
    // A port nothing listens on: the request is refused at once.
    const port = await closedPort();
    const refused = { ...entry({ kind: 'delete-proxy', proxy: 'db' }, `http://127.0.0.1:${port}`), seq: 2 };
    const lines: string[] = [];
    const settled: number[] = [];
    const outcome = await undoEntries(
      [refused, { ...refused, seq: 3 }],
      (line) => lines.push(line),
      (seq) => settled.push(seq),
    );
    assert.deepEqual(outcome, { failed: 2 });
    assert.deepEqual(settled, []);
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.match(line, new RegExp(`^failed: a recorded fault \\(http://127\\.0\\.0\\.1:${port}\\): .+`));
    }
  });
});

/**
 * A stand-in faultline API on 127.0.0.1 that records each request (method, path, body and the
 * Authorization header): /proxies/gone... answers 404, /proxies/broken... 500, creating a proxy named
 * exists 409 and one named broken 500; the rest succeed.
 */
function recordingApi() {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (data: Buffer) => (body += data.toString()));
    request.on('end', () => {
      const auth = request.headers.authorization;
      requests.push(`${request.method} ${request.url}${body ? ` ${body}` : ''}${auth ? ` [${auth}]` : ''}`);
      const json = (status: number, value: object) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (request.url?.startsWith('/proxies/gone'))
        return json(404, { error: 'proxy not found', status: 404 });
      if (request.url?.startsWith('/proxies/broken')) return json(500, { error: 'it broke', status: 500 });
      if (body.includes('"name":"exists"')) return json(409, { error: 'proxy already exists', status: 409 });
      if (body.includes('"name":"broken"')) return json(500, { error: 'it broke', status: 500 });
      if (request.method === 'DELETE') return response.writeHead(204).end();
      return json(200, {});
    });
  });
  return {
    requests,
    url: '',
    async start() {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      this.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('undo: the request each proxy undo makes, carried out', () => {
  const api = recordingApi();
  before(() => api.start());
  after(() => api.stop());

  test('each kind sends its request to the recorded server, with the token when one is given', async () => {
    api.requests.length = 0;
    const outcomes = [
      await undo(entry({ kind: 'delete-proxy', proxy: 'a b' }, api.url), 'secret'),
      await undo(entry({ kind: 'remove-toxic', proxy: 'db', toxic: 'lag/1' }, api.url)),
      await undo(
        entry({ kind: 'update-proxy', proxy: 'db', body: { enabled: true, listen: undefined } }, api.url),
      ),
      await undo(
        entry(
          {
            kind: 'update-toxic',
            proxy: 'db',
            toxic: 'lag',
            body: { toxicity: 0.5, attributes: { latency: 9 } },
          },
          api.url,
        ),
      ),
    ];
    assert.deepEqual(outcomes, [
      { result: 'undone' },
      { result: 'undone' },
      { result: 'undone' },
      { result: 'undone' },
    ]);
    assert.deepEqual(api.requests, [
      'DELETE /proxies/a%20b [Bearer secret]',
      'DELETE /proxies/db/toxics/lag%2F1',
      'PATCH /proxies/db {"enabled":true}',
      'PATCH /proxies/db/toxics/lag {"toxicity":0.5,"attributes":{"latency":9}}',
    ]);
  });

  test('a proxy or toxic already gone (404) counts as undone; any other error is thrown', async () => {
    assert.deepEqual(await undo(entry({ kind: 'remove-toxic', proxy: 'gone', toxic: 'lag' }, api.url)), {
      result: 'already gone',
    });
    await assert.rejects(
      undo(entry({ kind: 'delete-proxy', proxy: 'broken' }, api.url)),
      (error: unknown) => {
        assert.ok(error instanceof FaultlineApiError, `not a FaultlineApiError: ${String(error)}`);
        assert.equal(error.status, 500);
        return true;
      },
    );
  });

  test('undoForHalt: newest first in halt mode; the lab stays live, a re-made proxy is left, a failure stays live', async () => {
    api.requests.length = 0;
    const settled: number[] = [];
    const recorded = (seq: number, description: string, undo: LedgerEntry['undo']): LedgerEntry => ({
      ...entry(undo, undo.kind === 'destroy-lab' ? undefined : api.url),
      seq,
      description,
    });
    const entries = [
      recorded(1, 'created lab shop', { kind: 'destroy-lab', lab: 'shop' }),
      recorded(2, 'created proxy db', { kind: 'delete-proxy', proxy: 'db' }),
      recorded(3, 'created proxy api', {
        kind: 'delete-proxy',
        proxy: 'api',
        made: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
      }),
      recorded(4, 'enabled proxy web', { kind: 'update-proxy', proxy: 'web', body: { enabled: false } }),
      recorded(5, 'created proxy broken', { kind: 'delete-proxy', proxy: 'broken' }),
    ];
    const outcome = await undoForHalt({
      ...noLedger,
      live: () => entries,
      settle: (seq) => settled.push(seq),
    });
    assert.deepEqual(settled, [4, 3, 2], 'the failed undo and the lab stay live');
    assert.deepEqual(outcome.undone, [
      `undone: enabled proxy web (${api.url}) (left enabled: halt disables no proxy)`,
      `undone: created proxy db (${api.url})`,
    ]);
    assert.deepEqual(outcome.left, [
      `created proxy api (${api.url}): proxy api is not the one the run made (listen absent, was 127.0.0.1:1, upstream absent, was 127.0.0.1:2); delete it yourself if it should go`,
    ]);
    assert.equal(outcome.failed.length, 1);
    assert.match(
      outcome.failed[0]!,
      new RegExp(`^could not undo created proxy broken \\(${api.url}\\): .*it broke`),
    );
    assert.deepEqual(api.requests, ['DELETE /proxies/broken', 'GET /proxies/api', 'DELETE /proxies/db']);
  });

  test('undoEach: a kept entry is handed to kept with why, and neither settled nor undone; the token goes with each undo', async () => {
    api.requests.length = 0;
    const seen: string[] = [];
    await undoEach(
      [
        { ...entry({ kind: 'destroy-lab', lab: 'shop' }), seq: 1 },
        { ...entry({ kind: 'delete-proxy', proxy: 'db' }, api.url), seq: 2 },
      ],
      {
        keep: leftByHalt,
        token: (one) => `token of ${one.seq}`,
        kept: (one, why) => seen.push(`kept ${one.seq}: ${why.slice(0, 21)}`),
        settle: (seq) => seen.push(`settled ${seq}`),
        done: (one, outcome) => seen.push(`done ${one.seq}: ${outcome.result}`),
        failed: (one) => seen.push(`failed ${one.seq}`),
      },
    );
    assert.deepEqual(seen, ['settled 2', 'done 2: undone', 'kept 1: a lab is where faults']);
    assert.deepEqual(api.requests, ['DELETE /proxies/db [Bearer token of 2]']);
  });

  test('undoEach: an entry whose fault is gone already is settled untouched, with or without a gone step', async () => {
    api.requests.length = 0;
    const settled: number[] = [];
    const goneEntry = { ...entry({ kind: 'delete-proxy', proxy: 'db' }, api.url), seq: 7 };
    const steps = {
      goneAlready: () => 'removed by hand',
      settle: (seq: number) => settled.push(seq),
      done: () => assert.fail('nothing is undone'),
      failed: () => assert.fail('nothing fails'),
    };
    await undoEach([goneEntry], steps);
    const gone: string[] = [];
    await undoEach([goneEntry], { ...steps, gone: (one, why) => gone.push(`${one.seq}: ${why}`) });
    assert.deepEqual([settled, gone, api.requests], [[7, 7], ['7: removed by hand'], []]);
  });

  test('leftByHalt: a lab is left, named in the command that removes it; every other entry is undone', () => {
    assert.equal(
      leftByHalt(entry({ kind: 'destroy-lab', lab: 'shop' })),
      'a lab is where faults run, not a fault: halt leaves it, and what runs in it; "faultline net destroy shop" or "faultline rollback" removes it',
    );
    assert.deepEqual(
      [
        leftByHalt(entry({ kind: 'remove-delay', lab: 'shop', host: 'db' })),
        leftByHalt(entry({ kind: 'remove-limit', lab: 'shop', host: 'db' })),
        leftByHalt(entry({ kind: 'delete-proxy', proxy: 'shop' })),
      ],
      [undefined, undefined, undefined],
    );
  });

  test('undoEntries: newest first, each settled once undone, reported with its server and outcome', async () => {
    api.requests.length = 0;
    const lines: string[] = [];
    const settled: number[] = [];
    const entries = [
      { ...entry({ kind: 'delete-proxy', proxy: 'first' }, api.url), seq: 1, description: 'proxy first' },
      { ...entry({ kind: 'delete-proxy', proxy: 'broken' }, api.url), seq: 2, description: 'proxy broken' },
      { ...entry({ kind: 'delete-proxy', proxy: 'gone' }, api.url), seq: 3, description: 'proxy gone' },
    ];
    const outcome = await undoEntries(
      entries,
      (line) => lines.push(line),
      (seq) => settled.push(seq),
    );
    assert.deepEqual(outcome, { failed: 1 });
    assert.deepEqual(settled, [3, 1]);
    assert.deepEqual(api.requests, [
      'DELETE /proxies/gone',
      'DELETE /proxies/broken',
      'DELETE /proxies/first',
    ]);
    assert.equal(lines[0], `already gone: proxy gone (${api.url})`);
    assert.match(
      lines[1]!,
      new RegExp(`^failed: proxy broken \\(${api.url.replaceAll('.', '\\.')}\\): .*it broke$`),
      'without the run of a left-behind ledger, no advice to forget it',
    );
    assert.equal(lines[2], `undone: proxy first (${api.url})`);
    assert.equal(lines.length, 3);
    assert.deepEqual(
      entries.map((one) => one.seq),
      [1, 2, 3],
      "the caller's list is left in its order",
    );
  });

  test('undoLedger settles what it undid in the file and removes the file once nothing is left', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'faultline-rollback-'));
    try {
      const write = (run: string, proxies: string[]) => {
        const ledger = openLedger(directory, { run, experiment: 'e' });
        for (const proxy of proxies)
          ledger.record({
            description: `proxy ${proxy}`,
            server: api.url,
            undo: { kind: 'delete-proxy', proxy },
          });
        const path = ledger.path!;
        ledger.close(true);
        return path;
      };
      const done = write('run-done', ['a', 'b']);
      const lines: string[] = [];
      assert.deepEqual(await undoLedger(readLedger(done), (line) => lines.push(line)), { failed: 0 });
      assert.deepEqual(lines, [`undone: proxy b (${api.url})`, `undone: proxy a (${api.url})`]);
      assert.equal(existsSync(done), false);

      // Another rollback undid the same ledger meanwhile and removed the finished file: what
      // this one then undoes (or finds gone) is settled, not reported failed.
      const raced = write('run-raced', ['a']);
      const read = readLedger(raced);
      rmSync(raced);
      const racedLines: string[] = [];
      assert.deepEqual(await undoLedger(read, (line) => racedLines.push(line)), { failed: 0 });
      assert.deepEqual(racedLines, [`undone: proxy a (${api.url})`]);

      const half = write('run-half', ['a', 'broken']);
      assert.deepEqual(await undoLedger(readLedger(half), () => undefined), { failed: 1 });
      assert.deepEqual(
        readLedger(half).entries.map((left) => left.description),
        ['proxy broken'],
        'the undone entry is settled in the file; the failed one stays',
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('recreate-proxy: rollback sends the proxy as it was; halt sends it enabled, without toxics or header faults', async () => {
    const deleted = (proxy: string, body: object = {}) =>
      entry(
        {
          kind: 'recreate-proxy',
          proxy,
          body: {
            listen: '127.0.0.1:2000',
            upstream: '127.0.0.1:3000',
            enabled: false,
            protocol: 'http',
            header_faults: true,
            toxics: [
              { name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5 } },
            ],
            ...body,
          },
        },
        api.url,
      );
    api.requests.length = 0;
    assert.deepEqual(await undo(deleted('db')), { result: 'undone' });
    assert.deepEqual(await undo(deleted('db'), undefined, 'halt'), {
      result: 'undone',
      note: 'created enabled, without its 1 toxic(s) or header-driven faults: halt adds no fault',
    });
    assert.deepEqual(api.requests, [
      'POST /proxies {"name":"db","listen":"127.0.0.1:2000","upstream":"127.0.0.1:3000","enabled":false,"protocol":"http","header_faults":true,"toxics":[{"name":"lag","type":"latency","stream":"downstream","toxicity":1,"attributes":{"latency":5}}]}',
      'POST /proxies {"name":"db","listen":"127.0.0.1:2000","upstream":"127.0.0.1:3000","enabled":true,"protocol":"http"}',
    ]);
    assert.equal(
      explainUndo(deleted('db')),
      `POST ${api.url}/proxies {"name":"db","listen":"127.0.0.1:2000","upstream":"127.0.0.1:3000","enabled":false,"protocol":"http","header_faults":true,"toxics":[{"name":"lag","type":"latency","stream":"downstream","toxicity":1,"attributes":{"latency":5}}]}`,
    );
    assert.deepEqual(await undo(deleted('exists')), {
      result: 'already gone',
      note: 'proxy exists exists again: left as it is',
    });
    api.requests.length = 0;
    await assert.rejects(
      undo(deleted('tls', { tls: { cert: 'PEM', key: '[redacted]' } })),
      /proxy tls cannot be created again: the server never shows private keys, so its tls key was not recorded/,
    );
    assert.deepEqual(api.requests, [], 'nothing is sent for a proxy that cannot be made as it was');
  });

  test('halt never disables a proxy: an update-proxy undo that would is sent without enabled', async () => {
    api.requests.length = 0;
    const enabledByRun = entry(
      { kind: 'update-proxy', proxy: 'db', body: { upstream: 'h:1', enabled: false } },
      api.url,
    );
    assert.deepEqual(await undo(enabledByRun, undefined, 'halt'), {
      result: 'undone',
      note: 'left enabled: halt disables no proxy',
    });
    assert.deepEqual(await undo(enabledByRun), { result: 'undone' });
    assert.deepEqual(api.requests, [
      'PATCH /proxies/db {"upstream":"h:1"}',
      'PATCH /proxies/db {"upstream":"h:1","enabled":false}',
    ]);
  });

  test('a failed undo of a left-behind ledger says how to discard it: by server when unreachable, else by run', async () => {
    const port = await closedPort();
    const unreachable = `http://127.0.0.1:${port}`;
    const lines: string[] = [];
    await undoEntries(
      [
        { ...entry({ kind: 'delete-proxy', proxy: 'broken' }, api.url), seq: 1 },
        { ...entry({ kind: 'delete-proxy', proxy: 'db' }, unreachable), seq: 2 },
      ],
      (line) => lines.push(line),
      () => undefined,
      'run-1',
    );
    assert.match(
      lines[0]!,
      new RegExp(
        `; if ${unreachable} is gone for good, "faultline rollback --forget ${unreachable}" discards what the ledger holds for it, undoing nothing$`,
      ),
    );
    assert.match(
      lines[1]!,
      /it broke; once it is dealt with by hand, "faultline rollback --forget run-1" discards the run's entries, undoing nothing$/,
    );
  });

  test('recreate-proxy: a create the server refuses for another reason than the name being taken fails', async () => {
    await assert.rejects(
      undo(
        entry(
          {
            kind: 'recreate-proxy',
            proxy: 'broken',
            body: { listen: '127.0.0.1:2000', upstream: '127.0.0.1:3000', enabled: true, toxics: [] },
          },
          api.url,
        ),
      ),
      (error: unknown) => {
        assert.ok(error instanceof FaultlineApiError, `not a FaultlineApiError: ${String(error)}`);
        assert.equal(error.status, 500);
        return true;
      },
    );
  });

  test('recreate-proxy: halt names exactly the faults it leaves out; rollback sends header_faults only as recorded', async () => {
    const lag = { name: 'lag', type: 'latency', stream: 'downstream' as const, toxicity: 1, attributes: {} };
    const deleted = (toxics: (typeof lag)[], header_faults?: boolean) =>
      entry(
        {
          kind: 'recreate-proxy',
          proxy: 'db',
          body: {
            listen: '127.0.0.1:2000',
            upstream: '127.0.0.1:3000',
            enabled: true,
            ...(header_faults === undefined ? {} : { header_faults }),
            toxics,
          },
        },
        api.url,
      );
    const notes = [];
    for (const recorded of [deleted([], true), deleted([lag, lag]), deleted([], false), deleted([])])
      notes.push((await undo(recorded, undefined, 'halt')).note);
    assert.deepEqual(notes, [
      'created enabled, without header-driven faults: halt adds no fault',
      'created enabled, without its 2 toxic(s): halt adds no fault',
      'created enabled: halt adds no fault',
      'created enabled: halt adds no fault',
    ]);
    api.requests.length = 0;
    await undo(deleted([]));
    await undo(deleted([], false));
    assert.deepEqual(api.requests, [
      'POST /proxies {"name":"db","listen":"127.0.0.1:2000","upstream":"127.0.0.1:3000","enabled":true,"toxics":[]}',
      'POST /proxies {"name":"db","listen":"127.0.0.1:2000","upstream":"127.0.0.1:3000","enabled":true,"header_faults":false,"toxics":[]}',
    ]);
  });

  test('recreate-proxy: a proxy whose two private keys were both hidden names both', async () => {
    const hidden = { cert: 'PEM', key: '[redacted]' };
    await assert.rejects(
      undo(
        entry(
          {
            kind: 'recreate-proxy',
            proxy: 'db',
            body: {
              listen: '127.0.0.1:2000',
              upstream: '127.0.0.1:3000',
              enabled: true,
              tls: hidden,
              upstream_tls: hidden,
              toxics: [],
            },
          },
          api.url,
        ),
      ),
      /so its tls and upstream_tls key was not recorded/,
    );
  });

  test('halt and an update-proxy undo: one that only disables sends nothing; one that enables is sent as recorded', async () => {
    api.requests.length = 0;
    assert.deepEqual(
      await undo(
        entry({ kind: 'update-proxy', proxy: 'db', body: { enabled: false } }, api.url),
        undefined,
        'halt',
      ),
      { result: 'undone', note: 'left enabled: halt disables no proxy' },
    );
    assert.deepEqual(api.requests, [], 'no PATCH with an empty body');
    assert.deepEqual(
      await undo(
        entry({ kind: 'update-proxy', proxy: 'db', body: { enabled: true } }, api.url),
        undefined,
        'halt',
      ),
      { result: 'undone' },
    );
    assert.deepEqual(
      api.requests,
      ['PATCH /proxies/db {"enabled":true}'],
      'halt enables a proxy the run disabled',
    );
  });

  test('forgetAdvice offers to forget a server only for an entry made through one that could not be reached', () => {
    const unreachable = new FaultlineApiError('unreachable', 0, 'connection refused');
    const advice = (server: string | undefined, error: unknown) =>
      forgetAdvice(entry({ kind: 'delete-proxy', proxy: 'db' }, server), 'run-1', error);
    const byRun =
      'once it is dealt with by hand, "faultline rollback --forget run-1" discards the run\'s entries, undoing nothing';
    assert.equal(
      advice('http://127.0.0.1:1', unreachable),
      'if http://127.0.0.1:1 is gone for good, "faultline rollback --forget http://127.0.0.1:1" discards what the ledger holds for it, undoing nothing',
    );
    assert.equal(advice(undefined, unreachable), byRun, 'a fault on this machine has no server to forget');
    assert.equal(advice('http://127.0.0.1:1', new Error("not the client's")), byRun);
  });

  test('forgetAdvice says to give the token when the server refused the undo for the lack of one', () => {
    const refused = new FaultlineApiError('unauthorized', 401, 'token required');
    assert.equal(
      forgetAdvice(
        entry({ kind: 'remove-toxic', proxy: 'db', toxic: 'lat' }, 'http://127.0.0.1:1'),
        'run-1',
        refused,
      ),
      'http://127.0.0.1:1 wants its token, which the ledger does not keep: set FAULTLINE_TOKEN to the server\'s token and run "faultline rollback" again',
    );
    const byRun =
      'once it is dealt with by hand, "faultline rollback --forget run-1" discards the run\'s entries, undoing nothing';
    const advice = (server: string | undefined, error: unknown) =>
      forgetAdvice(entry({ kind: 'remove-toxic', proxy: 'db', toxic: 'lat' }, server), 'run-1', error);
    assert.equal(
      advice(undefined, refused),
      byRun,
      'a fault on this machine was not undone through a server',
    );
    assert.equal(
      advice('http://127.0.0.1:1', Object.assign(new Error('denied'), { status: 401 })),
      byRun,
      "a 401 from something other than faultline's client is not the server asking for its token",
    );
  });

  test('describeEntry names the server when the entry has one', () => {
    assert.equal(
      describeEntry(entry({ kind: 'delete-proxy', proxy: 'db' }, 'http://127.0.0.1:1')),
      'a recorded fault (http://127.0.0.1:1)',
    );
    assert.equal(describeEntry(entry({ kind: 'delete-proxy', proxy: 'db' })), 'a recorded fault');
  });
});

describe('nothingLeftOf: whether undo would find the fault gone, asked of the recorded server', () => {
  const api = recordingApi();
  before(() => api.start());
  after(() => api.stop());

  test('a proxy or toxic the server still has leaves something to undo; each kind asks for its own resource', async () => {
    api.requests.length = 0;
    const answers = [
      await nothingLeftOf(entry({ kind: 'delete-proxy', proxy: 'a b' }, api.url), 'secret'),
      await nothingLeftOf(entry({ kind: 'update-proxy', proxy: 'db', body: { enabled: true } }, api.url)),
      await nothingLeftOf(entry({ kind: 'remove-toxic', proxy: 'db', toxic: 'lag/1' }, api.url)),
      await nothingLeftOf(
        entry({ kind: 'update-toxic', proxy: 'db', toxic: 'lag', body: { toxicity: 1 } }, api.url),
      ),
    ];
    assert.deepEqual(answers, [undefined, undefined, undefined, undefined]);
    assert.deepEqual(api.requests, [
      'GET /proxies/a%20b [Bearer secret]',
      'GET /proxies/db',
      'GET /proxies/db/toxics/lag%2F1',
      'GET /proxies/db/toxics/lag',
    ]);
  });

  test("a proxy or toxic the server answers 404 for is gone, in the server's words; any other error is thrown", async () => {
    assert.deepEqual(
      [
        await nothingLeftOf(entry({ kind: 'delete-proxy', proxy: 'gone' }, api.url)),
        await nothingLeftOf(entry({ kind: 'remove-toxic', proxy: 'gone', toxic: 'lag' }, api.url)),
      ],
      [
        `${api.url} answers: get proxy gone: HTTP 404: proxy not found`,
        `${api.url} answers: get toxic lag of gone: HTTP 404: proxy not found`,
      ],
    );
    await assert.rejects(
      nothingLeftOf(entry({ kind: 'update-proxy', proxy: 'broken', body: {} }, api.url)),
      /it broke/,
    );
  });

  test('a deleted proxy is left alone once the server has one of that name again, and recreated while it has none', async () => {
    const deleted = (proxy: string) =>
      entry(
        {
          kind: 'recreate-proxy',
          proxy,
          body: { listen: '127.0.0.1:2000', upstream: '127.0.0.1:3000', enabled: true, toxics: [] },
        },
        api.url,
      );
    api.requests.length = 0;
    assert.equal(await nothingLeftOf(deleted('db'), 'secret'), 'proxy db exists again: left as it is');
    assert.equal(await nothingLeftOf(deleted('gone')), undefined);
    assert.deepEqual(api.requests, ['GET /proxies/db [Bearer secret]', 'GET /proxies/gone']);
    await assert.rejects(nothingLeftOf(deleted('broken')), /it broke/);
  });

  test('a system undo answers by its own check: a file already removed is gone', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'faultline-nothing-left-'));
    try {
      const path = join(directory, 'removed');
      assert.equal(
        await nothingLeftOf(entry({ kind: 'remove-file', path, device: '1', inode: '2' })),
        `${path} is gone`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('system undos through the same functions', () => {
  test('remove-file: explained, carried out while the path is the same file, left alone once replaced', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'faultline-undo-file-'));
    try {
      const path = join(directory, 'made-by-a-run');
      const identify = () => {
        const stat = statSync(path, { bigint: true });
        return { kind: 'remove-file' as const, path, device: String(stat.dev), inode: String(stat.ino) };
      };
      writeFileSync(path, 'x');
      const step = identify();
      assert.equal(
        explainUndo(entry(step)),
        `unlink ${path} if it is still the file with device ${step.device} and inode ${step.inode}`,
      );
      assert.deepEqual(await undo(entry(step)), { result: 'undone' });
      assert.equal(existsSync(path), false);

      writeFileSync(path, 'made by someone else');
      const lines: string[] = [];
      const replaced = { ...step, inode: String(BigInt(identify().inode) + 1n) };
      await undoEntries(
        [entry(replaced)],
        (line) => lines.push(line),
        () => undefined,
      );
      assert.deepEqual(lines, [
        `already gone: a recorded fault (${path} now names another file, left alone)`,
      ]);
      assert.equal(existsSync(path), true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
