import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { noLedger } from '../src/model/ledger.js';
import { runLoad } from '../src/system/load.js';
import { processOperations } from '../src/system/operations/process-operations.js';
import { findProcesses } from '../src/system/processes.js';
import { runCli, tempDirectory, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
});

const run = (args: string[]) => runCli(args);

/** The one-letter state in /proc/PID/stat: T when stopped, S when sleeping. */
function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let served = 0;
const server = http.createServer((_request, response) => {
  served += 1;
  response.writeHead(served % 5 === 0 ? 503 : 200);
  response.end('ok');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => {
  server.closeAllConnections();
  server.close();
});
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

describe('faultline load', () => {
  test('a fixed number of requests: rate, percentiles, failures by kind, a per-second series', async () => {
    served = 0;
    const report = await runLoad({ url, concurrency: 4, requests: 200 });
    assert.equal(report.requests, 200);
    assert.equal(report.failures.byKind['status 5xx'], 40);
    assert.equal(report.succeeded, 160);
    assert.deepEqual(report.statusCodes, { 200: 160, 503: 40 });
    assert.ok(report.requestsPerSecond > 0);
    assert.ok(report.latencyMs.p50 <= report.latencyMs.p99 && report.latencyMs.p99 <= report.latencyMs.max);
    assert.equal(
      report.perSecond.reduce((sum, second) => sum + second.requests, 0),
      200,
    );
  });

  test('a duration stops the load by itself; refused connections are counted by kind', async () => {
    const started = performance.now();
    const report = await runLoad({ url, concurrency: 2, seconds: 1 });
    assert.ok(performance.now() - started < 5000);
    assert.ok(report.requests > 0);
    const refused = await runLoad({ url: 'http://127.0.0.1:9/', concurrency: 1, requests: 3 });
    assert.deepEqual(refused.failures, { total: 3, byKind: { 'connection refused': 3 } });
  });

  test('the CLI prints JSON with the documented fields, and refuses an unbounded run', async () => {
    const result = await run(['load', url, '-c', '2', '-n', '20', '--max-failures', '4', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.requests, 20);
    for (const key of ['p50', 'p90', 'p99']) assert.equal(typeof report.latencyMs[key], 'number');
    const unbounded = await run(['load', url, '-c', '2']);
    assert.equal(unbounded.code, 2);
    assert.match(unbounded.stderr, /give -n REQUESTS or -t SECONDS/);
  });
});

describe('faultline load with headers and a body (ab -H, -p, -T)', () => {
  const seen: Array<{ method: string; cookie?: string; type?: string; body: string }> = [];
  const recorder = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({
        method: request.method!,
        ...(request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie }),
        ...(request.headers['content-type'] === undefined ? {} : { type: request.headers['content-type'] }),
        body,
      });
      response.end('ok');
    });
  });
  const recorderUrl = async () => {
    if (!recorder.listening) {
      recorder.listen(0, '127.0.0.1');
      await once(recorder, 'listening');
    }
    return `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/search`;
  };
  after(() => {
    recorder.closeAllConnections();
    recorder.close();
  });

  test('a body makes the request a POST with the given headers, as the book sends a search form', async () => {
    seen.length = 0;
    const report = await runLoad({
      url: await recorderUrl(),
      concurrency: 1,
      requests: 3,
      headers: { Cookie: 'sessionID=something', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'query=Apples',
    });
    assert.equal(report.succeeded, 3);
    assert.deepEqual(seen[0], {
      method: 'POST',
      cookie: 'sessionID=something',
      type: 'application/x-www-form-urlencoded',
      body: 'query=Apples',
    });
    seen.length = 0;
    await runLoad({ url: await recorderUrl(), concurrency: 1, requests: 1, body: 'plain' });
    assert.deepEqual(seen[0], { method: 'POST', type: 'text/plain', body: 'plain' }, 'as ab: text/plain');
  });

  test('the CLI takes repeated -H, -d or -p with -T, and explains a header without a colon', async () => {
    const target = await recorderUrl();
    seen.length = 0;
    const posted = await run([
      'load',
      target,
      '-c',
      '1',
      '-n',
      '2',
      '-H',
      'Cookie: sessionID=a',
      '-H',
      'X-Chaos: 1',
      '-T',
      'application/x-www-form-urlencoded',
      '-d',
      'query=Pears',
    ]);
    assert.equal(posted.code, 0, posted.stderr);
    assert.deepEqual(seen[1], {
      method: 'POST',
      cookie: 'sessionID=a',
      type: 'application/x-www-form-urlencoded',
      body: 'query=Pears',
    });
    const directory = tempDirectory('load');
    writeFileSync(join(directory, 'query.txt'), 'query=Apples\n');
    seen.length = 0;
    const fromFile = await run(['load', target, '-c', '1', '-n', '1', '-p', join(directory, 'query.txt')]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(seen[0], { method: 'POST', type: 'text/plain', body: 'query=Apples\n' });
    const badHeader = await run(['load', target, '-c', '1', '-n', '1', '-H', 'Cookie']);
    assert.equal(badHeader.code, 2);
    assert.match(badHeader.stderr, /-H "Cookie" is not a header; write it as "Name: value"/);
    const missing = await run(['load', target, '-c', '1', '-n', '1', '-p', join(directory, 'absent.txt')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the body file/);
  });
});

describe('faultline process kill', () => {
  test('--dry-run lists the match and kills nothing; --expect refuses a wrong count; then it kills', async () => {
    const sleeper = spawn('sleep', ['6171'], { stdio: 'ignore' });
    children.push(sleeper);
    const exited = once(sleeper, 'exit');
    await waitFor(() => findProcesses({ match: '^sleep 6171$' }).length === 1, 'the sleeper to start');
    const dry = await run(['process', 'kill', '--match', '^sleep 6171$', '--dry-run']);
    assert.equal(dry.stdout, `would signal ${sleeper.pid} (sleep 6171) with SIGTERM\n`);
    assert.equal(sleeper.exitCode, null);
    const refused = await run(['process', 'kill', '--match', '^sleep 6171$', '--expect', '2']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /1 processes match but --expect 2: nothing was signalled/);
    assert.equal(sleeper.signalCode, null);
    const killed = await run([
      'process',
      'kill',
      '--match',
      '^sleep 6171$',
      '--expect',
      '1',
      '--signal',
      'KILL',
    ]);
    assert.equal(killed.code, 0, killed.stderr);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
  });

  test('by listening port', async () => {
    const server = spawn(
      process.execPath,
      [
        '-e',
        "require('net').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port) })",
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    children.push(server);
    const exited = once(server, 'exit');
    const [chunk] = await once(server.stdout!, 'data');
    const port = Number(String(chunk).trim());
    assert.deepEqual(
      findProcesses({ port }).map((info) => info.pid),
      [server.pid],
    );
    const result = await run(['process', 'kill', '--port', String(port), '--expect', '1']);
    assert.equal(result.code, 0, result.stderr);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGTERM');
  });

  test('bad selectors and signals are refused', async () => {
    assert.match((await run(['process', 'kill'])).stderr, /exactly one of pid, port, match or pidfile/);
    assert.match(
      (await run(['process', 'kill', '--pid', '1', '--signal', 'SIGNOPE'])).stderr,
      /unknown signal "SIGNOPE"; give a name or its number/,
    );
    const zero = await run(['process', 'kill', '--pid', '1', '--signal', '0']);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /unknown signal "0"/);
  });

  test('pid 1 is refused unless --force, whether named or matched; faultline itself always', async () => {
    const named = await run(['process', 'kill', '--pid', '1', '--dry-run']);
    assert.equal(named.code, 2);
    assert.equal(named.stdout, '');
    assert.match(
      named.stderr,
      /^faultline: refused to touch 1 \(.*, the init process: stopping it can take the machine or container down\): nothing was signalled; choose the processes more narrowly, or add --force if you mean it\n$/,
    );
    const matched = await run(['process', 'pause', '--match', '.', '--dry-run']);
    assert.equal(matched.code, 2);
    assert.match(matched.stderr, /refused to touch 1 \(.*\): nothing was paused/);
    const forced = await run(['process', 'kill', '--pid', '1', '--dry-run', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^would signal 1 \(.+\) with SIGTERM\n$/);
    const context = { ledger: noLedger, signal: new AbortController().signal, warn: () => undefined };
    await assert.rejects(
      processOperations.pause!({ pid: process.pid, force: true }, context),
      new RegExp(`^Error: pid ${process.pid} is this faultline process itself: nothing was paused$`),
    );
  });

  test('numeric signals, pause --dry-run, --expect 0 with no match, and long command lines cut with "…"', async () => {
    const padding = 'x'.repeat(80);
    const sleeper = spawn('sh', ['-c', 'exec sleep 6172', padding], { stdio: 'ignore' });
    children.push(sleeper);
    const exited = once(sleeper, 'exit');
    await waitFor(() => findProcesses({ match: '^sleep 6172$' }).length === 1, 'the sleeper to exec');
    // One process (no child to outlive it) whose command line is longer than 60 characters.
    const longCommand = [process.execPath, '-e', 'setInterval(() => {}, 1000)', `tag6173-${padding}`];
    const long = spawn(longCommand[0]!, longCommand.slice(1), { stdio: 'ignore' });
    children.push(long);
    await waitFor(() => findProcesses({ match: 'tag6173-x' }).length === 1, 'the long command line');
    const cut = `${long.pid} (${longCommand.join(' ').slice(0, 59)}…)`;
    const paused = await run(['process', 'pause', '--match', 'tag6173-x', '--dry-run']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(paused.stdout, `would pause ${cut}\n`);
    assert.equal(stateOf(long.pid!), 'S', '--dry-run paused nothing');
    const counted = await run(['process', 'kill', '--match', 'tag6173-x', '--expect', '2']);
    assert.match(
      counted.stderr,
      new RegExp(`1 processes match but --expect 2: nothing was signalled; matched: ${escape(cut)}\n`),
    );
    const none = await run(['process', 'kill', '--match', '^sleep 6999$', '--expect', '0']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(
      none.stdout,
      'no process matches --match "^sleep 6999$", as --expect 0 allows: nothing was signalled\n',
    );
    const killed = await run([
      'process',
      'kill',
      '--match',
      '^sleep 6172$',
      '--expect',
      '1',
      '--signal',
      '9',
    ]);
    assert.equal(killed.code, 0, killed.stderr);
    assert.equal(killed.stdout, `signal ${sleeper.pid} (sleep 6172) with SIGKILL\n`);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
  });
});

describe('faultline syscall inject', () => {
  test('EIO on the second write: the command sees it, and the report lists the injected call', async () => {
    const result = await run([
      'syscall',
      'inject',
      '--syscall',
      'write',
      '--error',
      'EIO',
      '--when',
      '2',
      '--json',
      '--',
      'sh',
      '-c',
      'echo first; echo second; echo third',
    ]);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    assert.equal(report.injected.length, 1);
    assert.match(
      report.injected[0].call,
      /^write\(1, "second\\n", 7\)\s+= -1 EIO \(Input\/output error\) \(INJECTED\)$/,
    );
    assert.equal(report.exitCode, 0);
    const commandOutput = result.stdout.slice(0, result.stdout.indexOf('{'));
    assert.equal(commandOutput, 'first\nthird\n');
  });

  test('the exit status of the command is passed on, and bad input is refused', async () => {
    const failing = await run([
      'syscall',
      'inject',
      '--syscall',
      'write',
      '--error',
      'ENOSPC',
      '--',
      'sh',
      '-c',
      'echo x',
    ]);
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /4 write call\(s\) failed with ENOSPC; the command exited with 1/);
    const bad = await run(['syscall', 'inject', '--syscall', 'write', '--error', 'EWHAT', '--', 'true']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown errno "EWHAT"/);
  });

  test('--delay-ms alone holds the chosen call and the report says so; neither flag is a usage error', async () => {
    const started = performance.now();
    const delayed = await run([
      'syscall',
      'inject',
      '--syscall',
      'write',
      '--delay-ms',
      '300',
      '--when',
      '2',
      '--',
      'sh',
      '-c',
      'echo first; echo second',
    ]);
    assert.equal(delayed.code, 0);
    assert.equal(delayed.stdout, 'first\nsecond\n');
    assert.match(delayed.stderr, /1 write call\(s\) held 300 ms; the command exited with 0/);
    assert.match(delayed.stderr, /write\(1, "second\\n", 7\)\s+= 7 \(DELAYED\)/);
    assert.ok(performance.now() - started >= 300, 'the command ran no faster than the delay it was given');
    const neither = await run(['syscall', 'inject', '--syscall', 'write', '--', 'true']);
    assert.equal(neither.code, 2);
    assert.match(
      neither.stderr,
      /needs --error ERRNO \(such as EIO\), --delay-ms MS, or both: nothing was started/,
    );
  });
});

describe('in experiments', () => {
  test('a load probe states "p99 under 2 s" with a jsonpath tolerance', async () => {
    const { run: runExperiment, experiment } = await import('./experiment-helpers.js');
    const journal = await runExperiment(
      experiment({
        'steady-state-hypothesis': {
          title: 'fast enough under load',
          probes: [
            {
              type: 'probe',
              name: 'load',
              provider: {
                type: 'faultline',
                module: 'load',
                func: 'run',
                arguments: { url, concurrency: 2, requests: 50 },
              },
              tolerance: { type: 'jsonpath', path: '$[?(@.latencyMs.p99 < 2000 and @.requests = 50)]' },
            },
          ],
        },
      }),
    );
    assert.equal(journal.steady_states.before!.steady_state_met, true);
  });
});
