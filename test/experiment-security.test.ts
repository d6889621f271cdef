import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from './helpers.js';

const directories: string[] = [];
after(() => Promise.all(directories.map((path) => rm(path, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'faultline-security-'));
  directories.push(path);
  return path;
}

/** A loopback HTTP server answering each path with a fixed text body; it records what it was asked. */
async function serve(bodies: Record<string, string>) {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body = bodies[new URL(request.url ?? '/', 'http://x').pathname];
    response.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'text/plain' });
    response.end(body ?? 'not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const httpValue = (url: string) => ({
  type: 'probe',
  name: `fetch ${url}`,
  provider: { type: 'http', url },
});

const echo = (name: string, args: string | string[]) => ({
  type: 'action',
  name,
  provider: { type: 'process', path: 'echo', arguments: args },
});

describe('shell injection from dynamic configuration', () => {
  test('values served over HTTP stay literal words in string arguments; static ones still work', async () => {
    const directory = await temp();
    const planted = join(directory, 'planted');
    const server = await serve({ '/who': '$(id)', '/chain': `x; touch ${planted}`, '/tick': '`id`' });
    const path = join(directory, 'experiment.json');
    await writeFile(
      path,
      JSON.stringify({
        title: 't',
        description: 'd',
        configuration: {
          who: httpValue(`${server.url}/who`),
          chain: httpValue(`${server.url}/chain`),
          tick: httpValue(`${server.url}/tick`),
          greeting: 'hello world',
        },
        method: [
          echo('who', 'got ${who}'),
          echo('chain', 'got ${chain}'),
          echo('tick', 'got $tick'),
          echo('static', '${greeting} and more'),
          echo('list', ['list', '${who}']),
        ],
      }),
    );
    const journalPath = join(directory, 'j.json');
    const result = await runCli(['run', path, '--journal-path', journalPath]);
    assert.equal(result.code, 0, result.stderr);
    const journal = JSON.parse(await readFile(journalPath, 'utf8'));
    assert.deepEqual(
      journal.run.map((entry: { output: { stdout: string } }) => entry.output.stdout),
      ['got $(id)\n', `got x; touch ${planted}\n`, 'got `id`\n', 'hello world and more\n', 'list $(id)\n'],
    );
    assert.equal(existsSync(planted), false, 'the served command did not run');
    assert.match(
      result.stderr,
      /WARNING\] activity 'who': its string arguments run through \/bin\/sh and contain a substitution \(got \$\{who\}\)/,
    );
    assert.deepEqual(server.requests.sort(), ['/chain', '/tick', '/who']);
  });
});

describe('secrets in clear text', () => {
  test('no secret value reaches the journal, the console or the reports; journals are 0600', async () => {
    const token = 'tok-9f8e7d6c5b4a';
    const literal = 'literal-s3cr3t-value';
    const directory = await temp();
    const server = await serve({ '/echo': `the server saw a token` });
    const path = join(directory, 'experiment.json');
    await writeFile(
      path,
      JSON.stringify({
        title: 't',
        description: 'd',
        secrets: { api: { token: { type: 'env', key: 'FAULTLINE_TEST_TOKEN' }, password: literal } },
        method: [
          {
            type: 'probe',
            name: 'call',
            provider: { type: 'http', url: `${server.url}/echo?token=\${token}` },
          },
          // Refused connection: the error message holds the URL, and with it the token.
          {
            type: 'probe',
            name: 'refused',
            provider: { type: 'http', url: 'http://127.0.0.1:1/?token=${token}' },
          },
          echo('print', ['${token}', '${password}']),
          {
            type: 'action',
            name: 'log it',
            provider: { type: 'process', path: 'sh', arguments: ['-c', 'echo "$0" >&2; exit 3', '${token}'] },
          },
        ],
      }),
    );
    const journalPath = join(directory, 'journal.json');
    await writeFile(journalPath, 'an older journal, world-readable');
    await chmod(journalPath, 0o644);
    const result = await runCli(['run', path, '--journal-path', journalPath], {
      FAULTLINE_TEST_TOKEN: token,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(server.requests, [`/echo?token=${token}`], 'the server received the real token');

    const text = await readFile(journalPath, 'utf8');
    const journal = JSON.parse(text);
    assert.equal((await stat(journalPath)).mode & 0o777, 0o600);
    assert.equal(
      journal.run[2].output.stdout,
      '*** ***\n',
      'the process got both secrets; the journal masks them',
    );
    assert.match(
      journal.run[1].exception.at(-1),
      /failed to connect to http:\/\/127\.0\.0\.1:1\/\?token=\*\*\*/,
    );
    assert.deepEqual(journal.experiment.secrets, {
      api: { token: { type: 'env', key: 'FAULTLINE_TEST_TOKEN' }, password: '***' },
    });

    const html = join(directory, 'report.html');
    const markdown = join(directory, 'report.md');
    assert.equal((await runCli(['report', journalPath, '-o', html])).code, 0);
    assert.equal((await runCli(['report', journalPath, '-o', markdown])).code, 0);
    for (const report of [html, markdown]) assert.equal((await stat(report)).mode & 0o777, 0o600, report);
    const places = {
      journal: text,
      console: result.stderr + result.stdout,
      html: await readFile(html, 'utf8'),
      markdown: await readFile(markdown, 'utf8'),
    };
    for (const [place, content] of Object.entries(places)) {
      for (const secret of [token, literal]) {
        assert.equal(content.includes(secret), false, `${place} shows a secret`);
      }
    }
    assert.match(places.html, /\*\*\*/);
  });

  test('a report of a journal written by chaos run hides the secrets its experiment declares', async () => {
    const directory = await temp();
    const journalPath = join(directory, 'chaos.json');
    const secret = 'written-by-chaos-in-clear';
    await writeFile(
      journalPath,
      JSON.stringify({
        'chaoslib-version': '1.45.0',
        experiment: { title: 't', description: 'd', secrets: { db: { password: secret } } },
        status: 'completed',
        deviated: false,
        steady_states: { before: null, after: null, during: [] },
        run: [
          {
            activity: { type: 'action', name: 'a', provider: { type: 'process', path: 'echo' } },
            output: { status: 0, stdout: `${secret}\n`, stderr: '' },
            start: '2026-01-01T00:00:00.000000+00:00',
            status: 'succeeded',
            end: '2026-01-01T00:00:01.000000+00:00',
            duration: 1,
          },
        ],
        rollbacks: [],
        start: '2026-01-01T00:00:00.000000+00:00',
        end: '2026-01-01T00:00:01.000000+00:00',
        duration: 1,
      }),
    );
    for (const format of ['html', 'md']) {
      const report = await runCli(['report', journalPath, '--format', format]);
      assert.equal(report.code, 0, report.stderr);
      assert.equal(report.stdout.includes(secret), false, `the ${format} report shows the secret`);
      assert.match(report.stdout, /\*\*\*/);
    }
  });
});
