import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { closedPort, runCli, startHarness, tempDirectory, waitFor } from './helpers.js';

const harness = await startHarness();

/** Registers a run the way `faultline run --report-to` does, and keeps the stream open. */
async function register(body: object) {
  const lines: string[] = [];
  const url = new URL('/runs', harness.url);
  const request = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  request.end(JSON.stringify(body));
  const response = await new Promise<IncomingMessage>((resolve) => request.once('response', resolve));
  response.setEncoding('utf8');
  let buffered = '';
  response.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts.filter((line) => line !== ''));
  });
  await waitFor(() => lines.length > 0, 'the registration to answer');
  const { id } = JSON.parse(lines[0]!) as { id: string };
  return { id, lines, status: response.statusCode, close: () => request.destroy() };
}

describe('run registration', () => {
  test('a registered run is listed; halt reaches it through its stream; it ends with PATCH once', async () => {
    const run = await register({ title: 'checkout latency', pid: 4242, journal: '/tmp/journal.json' });
    assert.equal(run.status, 200);
    assert.match(run.id, /^\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{6}$/);
    const listed = (await harness.api('GET', '/runs')).json;
    assert.deepEqual(listed, [
      {
        id: run.id,
        title: 'checkout latency',
        status: 'running',
        started_at: listed[0].started_at,
        pid: 4242,
        journal: '/tmp/journal.json',
      },
    ]);
    const halting = harness.api('POST', '/halt', { reason: 'pager' });
    await waitFor(() => run.lines.length === 2, 'the halt to reach the run');
    assert.deepEqual(JSON.parse(run.lines[1]!), { halt: 'POST /halt from 127.0.0.1: pager' });
    assert.equal((await harness.api('GET', `/runs/${run.id}`)).json.status, 'halting');
    const ended = await harness.api('PATCH', `/runs/${run.id}`, {
      status: 'interrupted',
      report: '/tmp/report.html',
    });
    assert.equal(ended.status, 200);
    assert.deepEqual(
      [ended.json.status, ended.json.report, ended.json.halted],
      ['interrupted', '/tmp/report.html', 'POST /halt from 127.0.0.1: pager'],
    );
    const answer = await halting;
    assert.deepEqual(answer.json, {
      undone: [
        { kind: 'run', what: `interrupted run "checkout latency" (${run.id}); it plays its rollbacks` },
      ],
      left: [],
      failed: [],
    });
    const again = await harness.api('PATCH', `/runs/${run.id}`, { status: 'completed' });
    assert.equal(again.status, 400);
    assert.match(again.json.hint, /ended at .* with status interrupted; a run says how it ended once/);
    run.close();
  });

  test('halt removes the toxics while a run is still playing its rollbacks: a slow run holds no toxic up', async () => {
    const echo = createServer((_request, response) => response.end('ok'));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const upstream = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    assert.equal((await harness.api('POST', '/proxies', { name: 'slow_run', upstream })).status, 201);
    const added = await harness.api('POST', '/proxies/slow_run/toxics', { name: 'lag', type: 'latency' });
    assert.equal(added.status, 200);
    const run = await register({ title: 'slow rollbacks' });
    // The run never says it ended: halt waits for it (10 s), but not before removing the toxic.
    const halting = harness.api('POST', '/halt', { reason: 'slow' });
    await waitFor(() => run.lines.length === 2, 'the halt to reach the run');
    await waitFor(
      async () => (await harness.api('GET', '/proxies/slow_run/toxics')).json.length === 0,
      'the toxic to go while the run has not ended',
      5000,
    );
    assert.equal((await harness.api('GET', `/runs/${run.id}`)).json.status, 'halting');
    await harness.api('PATCH', `/runs/${run.id}`, { status: 'interrupted' });
    const answer = await halting;
    assert.deepEqual(answer.json.failed, []);
    assert.ok(
      answer.json.undone.some(
        (item: { kind: string; what: string }) =>
          item.kind === 'toxic' && item.what === 'removed the latency toxic lag on proxy slow_run',
      ),
      JSON.stringify(answer.json),
    );
    run.close();
    echo.close();
    await harness.api('DELETE', '/proxies/slow_run');
  });

  test('a run registers under its own id (its ledger name), once', async () => {
    const run = await register({ id: '2026-12-02T08-00-00-000Z-abc123', title: 'own id' });
    assert.equal(run.id, '2026-12-02T08-00-00-000Z-abc123');
    const again = await harness.api('POST', '/runs', { id: run.id, title: 'same id' });
    assert.deepEqual([again.status, again.json.error], [400, 'run id already registered']);
    const bad = await harness.api('POST', '/runs', { id: '../x', title: 'bad id' });
    assert.deepEqual(
      [bad.status, bad.json.error],
      [400, 'invalid field id: expected 1 to 100 characters from A-Z a-z 0-9 . _ -'],
    );
    run.close();
  });

  test('halt does not claim that a run with the rollback strategy "never" plays its rollbacks', async () => {
    const run = await register({ title: 'no rollbacks', rollback_strategy: 'never' });
    const halting = harness.api('POST', '/halt');
    await waitFor(() => run.lines.length === 2, 'the halt to reach the run');
    await harness.api('PATCH', `/runs/${run.id}`, { status: 'interrupted' });
    assert.deepEqual((await halting).json.undone, [
      {
        kind: 'run',
        what: `interrupted run "no rollbacks" (${run.id}); its rollback strategy is "never": it plays no rollbacks`,
      },
    ]);
    run.close();
  });

  test('a run whose connection closes before it says how it ended is lost', async () => {
    const run = await register({ title: 'vanishes' });
    run.close();
    await waitFor(
      async () => (await harness.api('GET', `/runs/${run.id}`)).json.status === 'lost',
      'the run to be marked lost',
    );
    assert.equal(typeof (await harness.api('GET', `/runs/${run.id}`)).json.ended_at, 'string');
  });

  test('bad registrations and ends are refused, naming the field', async () => {
    const cases: Array<[string, string, unknown, number, string, RegExp]> = [
      ['POST', '/runs', {}, 400, 'missing required field: title', /POST \/runs takes "title"/],
      [
        'POST',
        '/runs',
        { title: 'x', colour: 'red' },
        400,
        'unknown field colour',
        /takes "title" and optionally "id", "pid", "journal", "report" and "rollback_strategy"/,
      ],
      [
        'POST',
        '/runs',
        { title: 'x', pid: -1 },
        400,
        'invalid field pid: Too small: expected number to be >=1',
        /POST \/runs/,
      ],
      ['PATCH', '/runs/nope', { status: 'completed' }, 404, 'run not found', /GET \/runs lists them/],
      [
        'POST',
        '/halt',
        { reason: 3 },
        400,
        'invalid field reason: Invalid input: expected string, received number',
        /no body, or/,
      ],
      [
        'POST',
        '/halt',
        'not json',
        400,
        'bad request body: Unexpected token \'o\', "not json" is not valid JSON',
        /no body, or/,
      ],
    ];
    for (const [method, path, body, status, error, hint] of cases) {
      const reply = await harness.api(method, path, body);
      assert.deepEqual(
        [reply.status, reply.json?.error],
        [status, error],
        `${method} ${path} ${JSON.stringify(body)}`,
      );
      assert.match(reply.json.hint, hint);
    }
    const run = await register({ title: 'bad end' });
    const badEnd = await harness.api('PATCH', `/runs/${run.id}`, { status: 'halted' });
    assert.equal(badEnd.status, 400);
    assert.match(badEnd.json.error, /^invalid field status: /);
    assert.match(badEnd.json.hint, /"status" \(completed, failed, aborted, interrupted\)/);
    const badDeviated = await harness.api('PATCH', `/runs/${run.id}`, {
      status: 'completed',
      deviated: 'yes',
    });
    assert.equal(badDeviated.status, 400);
    assert.equal(badDeviated.json.error, 'invalid field deviated: Invalid input: expected true or false');
    run.close();
  });

  test('a server without a ledger lists none and halts only its own toxics and runs', async () => {
    assert.deepEqual((await harness.api('GET', '/ledger')).json, []);
    assert.deepEqual((await harness.api('POST', '/halt')).json, { undone: [], left: [], failed: [] });
  });
});

describe('halt against other servers', () => {
  test('a server without /halt (a Toxiproxy) is reset instead, and the ledger is halted too', async () => {
    const seen: string[] = [];
    const toxiproxy = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response
        .writeHead(request.url === '/reset' ? 204 : 404)
        .end(request.url === '/reset' ? '' : '404 page not found\n');
    });
    toxiproxy.listen(0, '127.0.0.1');
    await once(toxiproxy, 'listening');
    const url = `http://127.0.0.1:${(toxiproxy.address() as AddressInfo).port}`;
    try {
      const ledgerDir = tempDirectory('halt-toxiproxy');
      const result = await runCli(['halt', '-h', url, '--ledger-dir', ledgerDir]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(seen, ['POST /halt', 'POST /reset']);
      assert.equal(
        result.stdout,
        `the server at ${url} has no /halt (a Toxiproxy?): reset it, and halting from the ledger\n` +
          `looked in the ledger ${ledgerDir}\n` +
          `  undone (toxic): reset the server at ${url}: every toxic removed, every proxy enabled\n`,
      );
    } finally {
      toxiproxy.close();
    }
  });

  test('a --reason longer than a halt takes is refused before anything is halted: the server keeps nothing back', async () => {
    await harness.api('POST', '/proxies', {
      name: 'reasoned',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
    });
    await harness.api('POST', '/proxies/reasoned/toxics', { type: 'latency', attributes: { latency: 5 } });
    const ledgerDir = tempDirectory('halt-long-reason');
    const result = await runCli([
      'halt',
      '-h',
      harness.url,
      '--ledger-dir',
      ledgerDir,
      '--reason',
      'x'.repeat(1001),
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /--reason is 1001 characters; a halt takes at most 1000: shorten it and halt again \(nothing was halted\)/,
    );
    assert.equal((await harness.api('GET', '/proxies/reasoned/toxics')).json.length, 1, 'nothing was halted');
    const halted = await runCli([
      'halt',
      '-h',
      harness.url,
      '--ledger-dir',
      ledgerDir,
      '--reason',
      'x'.repeat(1000),
    ]);
    assert.equal(halted.code, 0, halted.stderr);
    assert.deepEqual((await harness.api('GET', '/proxies/reasoned/toxics')).json, []);
    await harness.api('DELETE', '/proxies/reasoned');
  });

  test('a server named with --host that cannot be reached fails the halt, after the ledger is halted', async () => {
    const ledgerDir = tempDirectory('halt-nobody');
    const nobody = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(['halt', '-h', nobody, '--ledger-dir', ledgerDir, '--json']);
    assert.equal(result.code, 1);
    const answer = JSON.parse(result.stdout);
    assert.deepEqual(answer.undone, []);
    assert.equal(answer.failed.length, 1);
    assert.match(
      answer.failed[0].what,
      new RegExp(
        `^the server at ${nobody} was not halted: cannot reach the faultline server at ${nobody} \\(ECONNREFUSED\\)`,
      ),
    );
  });
});

describe('faultline run --report-to', () => {
  const directory = tempDirectory('report-to');
  const experiment = join(directory, 'tiny.json');
  writeFileSync(
    experiment,
    JSON.stringify({
      title: 'tiny',
      description: 'does nothing',
      method: [{ type: 'action', name: 'noop', provider: { type: 'process', path: 'true' } }],
    }),
  );
  const run = (name: string, args: string[], env: Record<string, string> = {}) => {
    const journal = join(directory, `${name}.json`);
    return runCli(
      ['run', experiment, '--journal-path', journal, '--ledger-dir', join(directory, 'ledger'), ...args],
      { FAULTLINE_URL: '', ...env },
    ).then((result) => ({ ...result, journal, output: result.stdout + result.stderr }));
  };

  test('a registered run is listed with how it ended and its journal', async () => {
    const result = await run('registered', ['--report-to', harness.url]);
    assert.equal(result.code, 0, result.output);
    assert.match(
      result.output,
      new RegExp(`Registered with the faultline server at ${harness.url}: its halt interrupts this run`),
    );
    const runs: Array<{ title: string; status: string; journal?: string }> = (
      await harness.api('GET', '/runs')
    ).json;
    assert.deepEqual(
      runs.filter((record) => record.title === 'tiny').map((record) => [record.status, record.journal]),
      [['completed', result.journal]],
    );
  });

  test('a run whose steady state deviated is listed as completed and deviated, not as a clean run', async () => {
    const marker = join(directory, 'broken');
    const deviating = join(directory, 'deviating.json');
    // Met before the method (no marker), not after it (the method leaves one): the run deviates.
    const markerAbsent = {
      type: 'probe',
      name: 'no-marker',
      tolerance: 0,
      provider: { type: 'process', path: 'test', arguments: ['!', '-e', marker] },
    };
    writeFileSync(
      deviating,
      JSON.stringify({
        title: 'deviates',
        description: 'the method breaks what the hypothesis checks',
        'steady-state-hypothesis': { title: 'no marker', probes: [markerAbsent] },
        method: [
          {
            type: 'action',
            name: 'break',
            provider: { type: 'process', path: 'touch', arguments: [marker] },
          },
        ],
      }),
    );
    const journal = join(directory, 'deviating-journal.json');
    const result = await runCli(
      [
        'run',
        deviating,
        '--journal-path',
        journal,
        '--ledger-dir',
        join(directory, 'ledger'),
        '--report-to',
        harness.url,
      ],
      { FAULTLINE_URL: '' },
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(JSON.parse(readFileSync(journal, 'utf8')).deviated, true);
    const runs: Array<{ title: string; status: string; deviated?: boolean }> = (
      await harness.api('GET', '/runs')
    ).json;
    assert.deepEqual(
      runs.filter((record) => record.title === 'deviates').map((record) => [record.status, record.deviated]),
      [['completed', true]],
    );
    const clean = runs.find((record) => record.title === 'tiny');
    assert.equal(clean === undefined || !('deviated' in clean), true, 'a run that held has no deviated key');
  });

  test('a --report-to server that cannot be reached stops the run before it starts; FAULTLINE_URL only warns', async () => {
    const nobody = `http://127.0.0.1:${await closedPort()}`;
    const refused = await run('refused', ['--report-to', nobody]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.output,
      new RegExp(
        `cannot register the run with --report-to: cannot reach the faultline server at ${nobody} \\(ECONNREFUSED\\).*; drop --report-to to run without a server`,
      ),
    );
    assert.equal(existsSync(refused.journal), false, 'the run did not start');
    const warned = await run('warned', [], { FAULTLINE_URL: nobody });
    assert.equal(warned.code, 0, warned.output);
    assert.match(
      warned.output,
      /cannot register the run with FAULTLINE_URL: .*; the run goes on, but a halt on that server will not reach it/,
    );
    assert.equal(JSON.parse(readFileSync(warned.journal, 'utf8')).status, 'completed');
  });
});
