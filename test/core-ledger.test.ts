import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import {
  isSystemUndo,
  LEDGER_FORMAT,
  ledgerEntrySchema,
  ledgerHeaderSchema,
  ledgerSettledSchema,
  noLedger,
  type Undo,
  undoKinds,
  undoSchema,
} from '../src/model/ledger.js';
import { isCgroupName } from '../src/model/system-names.js';

/** Whether the schema accepts the value. */
const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

/** The messages of the schema's issues for the value, none when it is accepted. */
const messages = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

const identity = { pid: 4242, startTime: '123456' };
const undoOk = (undo: unknown) => accepts(undoSchema, undo);

describe('ledger undo records (read back only through these schemas)', () => {
  test('every kind, in this order, and which of them act on this machine', () => {
    assert.deepEqual(undoKinds, [
      'delete-proxy',
      'recreate-proxy',
      'remove-toxic',
      'update-proxy',
      'update-toxic',
      'stop-process',
      'stop-activity',
      'resume-process',
      'remove-cgroup',
      'remove-file',
      'remove-partition',
      'remove-limit',
      'remove-delay',
      'destroy-lab',
    ]);
    const samples: Undo[] = [
      { kind: 'delete-proxy', proxy: 'db' },
      {
        kind: 'recreate-proxy',
        proxy: 'db',
        body: {
          listen: '127.0.0.1:1',
          upstream: 'h:2',
          enabled: false,
          protocol: 'http',
          header_faults: true,
          toxics: [
            { name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5 } },
          ],
        },
      },
      { kind: 'remove-toxic', proxy: 'db', toxic: 'lag' },
      { kind: 'update-proxy', proxy: 'db', body: { listen: '127.0.0.1:1', upstream: 'h:2', enabled: true } },
      {
        kind: 'update-toxic',
        proxy: 'db',
        toxic: 'lag',
        body: { toxicity: 0.5, attributes: { latency: 5 } },
      },
      { kind: 'stop-process', process: identity },
      { kind: 'stop-activity', process: identity, mark: 'a'.repeat(32) },
      { kind: 'resume-process', process: identity },
      { kind: 'remove-cgroup', cgroup: 'cpu-hog', moved: [{ pid: 7, from: { cpu: '/', memory: '/a/b' } }] },
      { kind: 'remove-file', path: '/tmp/fill', device: '2049', inode: '131' },
      { kind: 'remove-partition', lab: 'lab1', from: 'a', to: 'b', oneWay: false },
      { kind: 'remove-limit', lab: 'lab1', host: 'a' },
      { kind: 'remove-delay', lab: 'lab1', host: 'a' },
      { kind: 'destroy-lab', lab: 'lab1' },
    ];
    assert.deepEqual(
      samples.map((undo) => [undo.kind, undoOk(undo), isSystemUndo(undo)]),
      [
        ['delete-proxy', true, false],
        ['recreate-proxy', true, false],
        ['remove-toxic', true, false],
        ['update-proxy', true, false],
        ['update-toxic', true, false],
        ['stop-process', true, true],
        ['stop-activity', true, true],
        ['resume-process', true, true],
        ['remove-cgroup', true, true],
        ['remove-file', true, true],
        ['remove-partition', true, true],
        ['remove-limit', true, true],
        ['remove-delay', true, true],
        ['destroy-lab', true, true],
      ],
    );
    assert.equal(undoOk({ kind: 'run-command', command: 'rm -rf /' }), false);
    assert.equal(undoOk({ kind: 'delete-proxy', proxy: 'db', extra: 1 }), false);
    const recreate = (body: object) =>
      undoOk({
        kind: 'recreate-proxy',
        proxy: 'db',
        body: { listen: 'a:1', upstream: 'b:2', enabled: true, toxics: [], ...body },
      });
    assert.deepEqual(
      [
        recreate({}),
        recreate({ protocol: 'quic' }),
        recreate({ name: 'db' }),
        recreate({ toxics: [{ name: 'x' }] }),
      ],
      [true, false, false, false],
    );
  });

  test('a process is a pid from 1 to 2^22 and the start time of /proc/PID/stat, 1 to 20 digits', () => {
    const stop = (process: unknown) => undoOk({ kind: 'stop-process', process });
    assert.equal(stop({ pid: 1, startTime: '0' }), true);
    assert.equal(stop({ pid: 2 ** 22, startTime: '1'.repeat(20) }), true);
    assert.equal(stop({ pid: 0, startTime: '1' }), false);
    assert.equal(stop({ pid: 2 ** 22 + 1, startTime: '1' }), false);
    assert.equal(stop({ pid: 1.5, startTime: '1' }), false);
    assert.equal(stop({ pid: 1, startTime: '1'.repeat(21) }), false);
    assert.equal(stop({ pid: 1, startTime: '' }), false);
    assert.equal(stop({ pid: 1, startTime: 'x1' }), false);
    assert.equal(stop({ pid: 1, startTime: '1x' }), false);
  });

  test("a process activity's mark is 32 lower-case hexadecimal digits, beside the process", () => {
    const activity = (mark: unknown) => ({ kind: 'stop-activity', process: identity, mark });
    assert.equal(undoOk(activity('0123456789abcdef'.repeat(2))), true);
    assert.deepEqual(messages(undoSchema, activity('0123456789ABCDEF'.repeat(2))), [
      'an activity mark is 32 lower-case hexadecimal digits',
    ]);
    assert.equal(undoOk(activity('a'.repeat(31))), false);
    assert.equal(undoOk(activity('a'.repeat(33))), false);
    assert.equal(undoOk(activity(`x${'a'.repeat(32)}`)), false);
    assert.equal(undoOk(activity(`${'a'.repeat(32)}x`)), false);
    assert.equal(undoOk({ kind: 'stop-activity', process: identity }), false);
    assert.equal(
      undoOk({ kind: 'stop-activity', process: { pid: 0, startTime: '1' }, mark: 'a'.repeat(32) }),
      false,
    );
  });

  test('cgroup names: 1-64 letters, digits, dot, dash or underscore, not . or ..', () => {
    const cgroup = (name: string) => messages(undoSchema, { kind: 'remove-cgroup', cgroup: name, moved: [] });
    const refused = ['a cgroup name is 1-64 letters, digits, dot, dash or underscore, and not . or ..'];
    assert.deepEqual(cgroup('A_b.c-9'), []);
    assert.deepEqual(cgroup('x'.repeat(64)), []);
    assert.deepEqual(cgroup('...'), []);
    for (const name of ['', 'x'.repeat(65), '.', '..', 'a/b', 'a b', '/a', 'a/']) {
      assert.deepEqual(cgroup(name), refused, `cgroup name ${JSON.stringify(name)}`);
      assert.equal(isCgroupName(name), false);
    }
  });

  test('cgroup paths are absolute, without empty, . or .. segments, newlines or NULs', () => {
    const from = (cpu: string) =>
      messages(undoSchema, { kind: 'remove-cgroup', cgroup: 'g', moved: [{ pid: 7, from: { cpu } }] });
    const refused = ['a cgroup path must be absolute, without empty, . or .. segments'];
    for (const path of ['/', '/a', '/user.slice/a-b/c']) assert.deepEqual(from(path), [], path);
    for (const path of [
      '',
      'a',
      'user.slice',
      'a/',
      '//',
      '/a/',
      '/a//b',
      '/a/./b',
      '/a/../b',
      '/..',
      '/a\nb',
      '/a\0b',
    ]) {
      assert.deepEqual(from(path), refused, JSON.stringify(path));
    }
    assert.equal(
      undoOk({ kind: 'remove-cgroup', cgroup: 'g', moved: [{ pid: 7, from: { memory: 'a', pids: '/' } }] }),
      false,
    );
    assert.equal(
      undoOk({ kind: 'remove-cgroup', cgroup: 'g', moved: [{ pid: 7, from: { pids: '/p' } }] }),
      true,
    );
  });

  test('a file to remove has an absolute path without NUL, and its device and inode as decimals', () => {
    const file = (path: string, device = '1', inode = '2') =>
      messages(undoSchema, { kind: 'remove-file', path, device, inode });
    assert.deepEqual(file('/tmp/f'), []);
    assert.deepEqual(file('tmp/f'), ['the path must be absolute']);
    assert.deepEqual(file('f/'), ['the path must be absolute']);
    assert.deepEqual(file('/tmp/\0f'), ['the path must be absolute']);
    assert.equal(file('/f', '1'.repeat(20), '0').length, 0);
    assert.notEqual(file('/f', '1'.repeat(21)).length, 0);
    assert.notEqual(file('/f', '1', '').length, 0);
    assert.notEqual(file('/f', '-1').length, 0);
    assert.notEqual(file('/f', '1', '2a').length, 0);
  });

  test('lab names are 1-8 lower-case letters or digits; hosts a letter and up to 11 more', () => {
    const lab = (name: string) => messages(undoSchema, { kind: 'destroy-lab', lab: name });
    const host = (name: string) => messages(undoSchema, { kind: 'remove-limit', lab: 'l', host: name });
    const badLab = ['a lab name is 1-8 lower-case letters or digits'];
    const badHost = ['a host name is a letter and at most 11 more letters or digits'];
    for (const name of ['a', '1', 'lab12345']) assert.deepEqual(lab(name), [], name);
    for (const name of ['', 'lab123456', 'Lab', 'la-b', ' a', 'a '])
      assert.deepEqual(lab(name), badLab, name);
    for (const name of ['a', 'a12345678901', 'db']) assert.deepEqual(host(name), [], name);
    for (const name of ['', '1a', 'a123456789012', 'A', 'a-b', 'a '])
      assert.deepEqual(host(name), badHost, name);
    const partition = (from: string, to: string) =>
      undoOk({ kind: 'remove-partition', lab: 'l', from, to, oneWay: true });
    assert.equal(partition('a', 'b'), true);
    assert.equal(partition('A', 'b'), false);
    assert.equal(partition('a', 'B'), false);
    assert.equal(undoOk({ kind: 'remove-delay', lab: 'l', host: '9' }), false);
  });

  test("a partition's filter priority, when recorded, is a whole number from 1 to 65535", () => {
    const priority = (value: unknown) =>
      messages(undoSchema, {
        kind: 'remove-partition',
        lab: 'l',
        from: 'a',
        to: 'b',
        oneWay: false,
        priority: value,
      });
    for (const value of [1, 1000, 65_535]) assert.deepEqual(priority(value), [], String(value));
    for (const value of [0, 65_536])
      assert.deepEqual(priority(value), ['a filter priority is 1 to 65535'], String(value));
    assert.notDeepEqual(priority(1.5), []);
    assert.notDeepEqual(priority('1000'), []);
  });

  test("a deleted proxy's record takes what the API shows: toxics on either stream at any probability, any idle timeout", () => {
    const recreate = (body: object) =>
      undoOk({
        kind: 'recreate-proxy',
        proxy: 'db',
        body: { listen: 'a:1', upstream: 'b:2', enabled: true, toxics: [], ...body },
      });
    const toxic = (fields: object) => ({
      toxics: [
        { name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: {}, ...fields },
      ],
    });
    assert.deepEqual(
      [
        { stream: 'upstream' },
        { stream: 'downstream' },
        { stream: 'sideways' },
        { toxicity: 0 },
        { toxicity: 0.5 },
        { toxicity: 1.5 },
        { toxicity: -0.5 },
      ].map((fields) => recreate(toxic(fields))),
      [true, true, false, true, true, false, false],
    );
    assert.deepEqual(
      [0, 30_000, -1, 1.5].map((idle_timeout) => recreate({ idle_timeout })),
      [true, true, false, false],
    );
  });

  test('proxy names are 1 to 1000 characters; update bodies take only the fields an undo sends', () => {
    assert.equal(undoOk({ kind: 'delete-proxy', proxy: '' }), false);
    assert.equal(undoOk({ kind: 'delete-proxy', proxy: 'p'.repeat(1000) }), true);
    assert.equal(undoOk({ kind: 'delete-proxy', proxy: 'p'.repeat(1001) }), false);
    assert.equal(undoOk({ kind: 'remove-toxic', proxy: 'p', toxic: '' }), false);
    assert.equal(undoOk({ kind: 'update-proxy', proxy: 'p', body: { name: 'q' } }), false);
    assert.equal(undoOk({ kind: 'update-toxic', proxy: 'p', toxic: 't', body: { toxicity: 1.5 } }), false);
    assert.equal(undoOk({ kind: 'update-toxic', proxy: 'p', toxic: 't', body: { type: 'noop' } }), false);
  });
});

describe('ledger file lines', () => {
  const header = {
    format: LEDGER_FORMAT,
    run: 'run-1.a_B',
    pid: 4242,
    startTime: '99',
    uid: 0,
    cwd: '/home/me',
    experiment: 'exp.json',
    started: '2026-12-02T09:00:00.000Z',
  };

  test('a header names format 1, the run, the writing process, user, directory and start', () => {
    assert.equal(LEDGER_FORMAT, 1);
    assert.equal(accepts(ledgerHeaderSchema, header), true);
    assert.equal(accepts(ledgerHeaderSchema, { ...header, startTime: null }), true);
    assert.equal(accepts(ledgerHeaderSchema, { ...header, run: 'r'.repeat(120) }), true);
    for (const [field, value] of [
      ['format', 2],
      ['run', ''],
      ['run', 'r'.repeat(121)],
      ['run', 'a/b'],
      ['run', ' a'],
      ['run', 'a '],
      ['pid', 0],
      ['startTime', 'x'],
      ['uid', -1],
      ['cwd', ''],
      ['started', 'yesterday'],
    ] as const) {
      assert.equal(accepts(ledgerHeaderSchema, { ...header, [field]: value }), false, `${field} ${value}`);
    }
  });

  test('an entry is numbered from 1, and its server is an http or https URL', () => {
    const entry = {
      seq: 1,
      time: '2026-12-02T09:00:00.000Z',
      description: 'latency on db',
      undo: { kind: 'delete-proxy', proxy: 'db' },
    };
    assert.equal(accepts(ledgerEntrySchema, entry), true);
    assert.equal(accepts(ledgerEntrySchema, { ...entry, server: 'http://127.0.0.1:8474' }), true);
    assert.equal(accepts(ledgerEntrySchema, { ...entry, server: 'https://127.0.0.1:8474' }), true);
    for (const server of ['ftp://127.0.0.1', 'httpx://127.0.0.1', 'xhttp://127.0.0.1', 'httpss://h']) {
      assert.equal(accepts(ledgerEntrySchema, { ...entry, server }), false, server);
    }
    assert.equal(accepts(ledgerEntrySchema, { ...entry, seq: 0 }), false);
    assert.equal(accepts(ledgerSettledSchema, { settled: 1, time: entry.time }), true);
    assert.equal(accepts(ledgerSettledSchema, { settled: 0, time: entry.time }), false);
  });

  test('noLedger records nothing and has no file', () => {
    assert.equal(noLedger.path, undefined);
    assert.equal(noLedger.record({ description: 'x', undo: { kind: 'delete-proxy', proxy: 'p' } }), 0);
    assert.deepEqual(noLedger.live(), []);
    assert.deepEqual(
      noLedger.liveWhere(() => true),
      [],
    );
  });
});
