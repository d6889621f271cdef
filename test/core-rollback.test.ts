import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { explainUndo, undoEntries } from '../src/experiment/rollback.js';
import type { LedgerEntry } from '../src/model/ledger.js';

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
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
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
