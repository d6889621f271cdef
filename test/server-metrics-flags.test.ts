import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, spawnCli } from './helpers.js';

// `faultline server` served /metrics, with every series, whatever its flags said; Toxiproxy 2.12
// answers 404 there unless -proxy-metrics or -runtime-metrics asks for it.

/** Starts `faultline server ARGS --port 0`, returns what GET /metrics answered, and stops it. */
async function scrape(args: string[], env: Record<string, string> = {}) {
  const cli = spawnCli(['server', '--port', '0', ...args], { FAULTLINE_METRICS: '', ...env });
  const url = await new Promise<string>((resolve, reject) => {
    cli.child.stderr!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(cli.output().stderr);
      if (match) resolve(match[1]!);
    });
    void cli.done.then(({ stderr }) => reject(new Error(`exited: ${stderr}`)));
  });
  const response = await fetch(`${url}/metrics`);
  const unknown = await fetch(`${url}/nonexistent`);
  const answer = {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
    unknown: { type: unknown.headers.get('content-type'), text: await unknown.text() },
  };
  process.kill(cli.child.pid!, 'SIGTERM');
  assert.equal((await cli.done).code, 0);
  return answer;
}

const proxySeries = /^# TYPE toxiproxy_proxy_sent_bytes_total counter$/m;
const runtimeSeries = /^# TYPE faultline_process_cpu_seconds_total counter$/m;

test('with no flag, GET /metrics is a 404, as GET /nonexistent answers', async () => {
  const answer = await scrape([]);
  assert.equal(answer.status, 404);
  assert.deepEqual({ type: answer.type, text: answer.text }, answer.unknown);
  assert.equal(answer.text, '404 page not found\n');
});

test('-proxy-metrics serves the proxy series alone, -runtime-metrics the runtime series alone', async () => {
  const proxy = await scrape(['-proxy-metrics']);
  assert.equal(proxy.status, 200);
  assert.match(proxy.text, proxySeries);
  assert.doesNotMatch(proxy.text, runtimeSeries);
  const runtime = await scrape(['--runtime-metrics']);
  assert.equal(runtime.status, 200);
  assert.match(runtime.text, runtimeSeries);
  assert.doesNotMatch(runtime.text, proxySeries);
});

test('--metrics, and FAULTLINE_METRICS=1, serve both; FAULTLINE_METRICS=0 none', async () => {
  for (const [args, env] of [
    [['--metrics'], {}],
    [[], { FAULTLINE_METRICS: '1' }],
    [['-proxy-metrics=true', '-runtime-metrics'], {}],
  ] as const) {
    const answer = await scrape([...args], env);
    assert.equal(answer.status, 200, `${args.join(' ')} ${JSON.stringify(env)}`);
    assert.match(answer.text, proxySeries);
    assert.match(answer.text, runtimeSeries);
  }
  assert.equal((await scrape([], { FAULTLINE_METRICS: '0' })).status, 404);
});

test(
  'FAULTLINE_METRICS set to neither on nor off is refused, saying what it takes',
  { timeout: 20_000 },
  async () => {
    const { code, stderr } = await runCli(['server', '--port', '0'], { FAULTLINE_METRICS: 'yes' });
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /^faultline: FAULTLINE_METRICS="yes" is neither on nor off: set it to 1 \(or true\) to serve every series at GET \/metrics, 0 \(or false, or unset it\) for none\n/,
    );
  },
);

test('faultline server --help says what each metrics flag serves', async () => {
  const { stdout } = await runCli(['server', '--help']);
  const help = stdout.replace(/\s+/g, ' ');
  assert.match(help, /--metrics serve GET \/metrics with every series/);
  assert.match(help, /Without any of the three, \/metrics is a 404/);
  assert.match(help, /--proxy-metrics serve GET \/metrics with the proxy series/);
  assert.match(help, /--runtime-metrics serve GET \/metrics with the runtime series/);
});
