import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { markdownReport } from '../src/experiment/report/markdown.js';
import { htmlReport } from '../src/experiment/report/html.js';
import { experiment, run } from './experiment-helpers.js';
import { announced, closedPort, startOnFreePort, tempDirectory } from './helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';

let prometheus: ChildProcess;
let baseUrl: string;
let scrapes = 0;

/** A loopback /metrics endpoint with a gauge at 1, a gauge at 21.5 and a counter of its scrapes. */
const metrics = createServer((request, response) => {
  if (request.url !== '/metrics') return response.writeHead(404).end();
  scrapes += 1;
  response.setHeader('content-type', 'text/plain; version=0.0.4');
  response.end(
    `demo_up 1\ndemo_temperature_celsius 21.5\n# TYPE demo_scrapes_total counter\ndemo_scrapes_total ${scrapes}\n`,
  );
});

before(async () => {
  try {
    execFileSync(PROMETHEUS, ['--version'], { stdio: 'ignore' });
  } catch {
    assert.fail('prometheus is not installed: apt-get install prometheus');
  }
  metrics.listen(0, '127.0.0.1');
  await once(metrics, 'listening');
  const target = `127.0.0.1:${(metrics.address() as AddressInfo).port}`;
  const directory = tempDirectory('prometheus-probes');
  const config = join(directory, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 500ms\n  evaluation_interval: 500ms\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  await startOnFreePort('Prometheus', async (port) => {
    baseUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // It ends at once when the port it was given was taken before it bound it.
    let ended: Error | undefined;
    announced(prometheus, 'stderr', null, 'Prometheus').catch((error: Error) => (ended = error));
    // Until the demo job has been scraped twice: an instant query then sees it, a range has points.
    await poll(async () => {
      if (ended) throw ended;
      const answer = await fetch(`${baseUrl}/api/v1/query?query=demo_scrapes_total`).catch(() => undefined);
      if (!answer?.ok) return false;
      const body = (await answer.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(body.data.result[0]?.value[1] ?? 0) >= 2;
    }, 'Prometheus to scrape the demo endpoint twice');
  });
});

after(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = once(prometheus, 'exit');
    process.kill(prometheus.pid!, 'SIGTERM');
    await exited;
  }
  metrics.close();
});

/**
 * Asks every 100 ms until `condition` holds, for at most 60 s: Prometheus starts in 1-3 s on a
 * quiet machine, and takes several times that on a loaded one.
 */
async function poll(condition: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after 60 s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const prometheusProbe = (name: string, func: string, args: object, extra: object = {}) => ({
  type: 'probe',
  name,
  provider: { type: 'python', module: 'chaosprometheus.probes', func, arguments: args },
  ...extra,
});

test('query runs natively and a tolerance written for chaostoolkit-prometheus judges its answer', async () => {
  const journal = await run(
    experiment({
      configuration: { prometheus_base_url: baseUrl },
      'steady-state-hypothesis': {
        title: 'the demo is up and warm',
        probes: [
          prometheusProbe(
            'demo-up',
            'query',
            { query: 'demo_up{job="demo"}' },
            { tolerance: { type: 'jsonpath', path: '$.data.result[0].value[1]', expect: '1' } },
          ),
          prometheusProbe(
            'temperature-now',
            'query',
            { query: 'demo_temperature_celsius', when: 'now' },
            { tolerance: { type: 'jsonpath', path: '$.data.result[*].value[1]', expect: ['21.5'] } },
          ),
        ],
      },
      method: [prometheusProbe('demo-up-as-is', 'query', { query: 'demo_up' })],
    }),
  );
  assert.equal(journal.steady_states.before?.steady_state_met, true);
  const output = journal.run[0]!.output as {
    status: string;
    data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  assert.equal(output.status, 'success');
  assert.equal(output.data.resultType, 'vector');
  assert.deepEqual(output.data.result[0]!.metric, {
    __name__: 'demo_up',
    instance: `127.0.0.1:${(metrics.address() as AddressInfo).port}`,
    job: 'demo',
  });
  assert.equal(output.data.result[0]!.value[1], '1');
});

test('a tolerance on a query that does not hold deviates the hypothesis', async () => {
  const journal = await run(
    experiment({
      configuration: { prometheus_base_url: baseUrl },
      'steady-state-hypothesis': {
        title: 'the demo is cold',
        probes: [
          prometheusProbe(
            'temperature',
            'query',
            { query: 'demo_temperature_celsius' },
            { tolerance: { type: 'jsonpath', path: '$.data.result[0].value[1]', expect: '4' } },
          ),
        ],
      },
    }),
  );
  assert.equal(journal.steady_states.before?.steady_state_met, false);
  assert.equal(journal.steady_states.before?.probes[0]?.tolerance_met, false);
  assert.equal((journal.steady_states.before?.probes[0]?.output as { status: string }).status, 'success');
});

test('query_interval returns the range as a matrix, and the reports draw it', async () => {
  const journal = await run(
    experiment({
      configuration: { prometheus_base_url: baseUrl },
      method: [
        prometheusProbe('up-over-a-minute', 'query_interval', {
          query: 'demo_up',
          start: '1 minute ago',
          end: 'now',
          step: 1,
        }),
      ],
    }),
  );
  const output = journal.run[0]!.output as {
    status: string;
    data: {
      resultType: string;
      result: Array<{ metric: Record<string, string>; values: [number, string][] }>;
    };
  };
  assert.equal(journal.run[0]!.status, 'succeeded');
  assert.equal(output.data.resultType, 'matrix');
  const values = output.data.result[0]!.values;
  assert.ok(values.length >= 1, `points: ${values.length}`);
  assert.deepEqual(new Set(values.map(([, value]) => value)), new Set(['1']));
  const steps = values.slice(1).map(([at], index) => at - values[index]![0]);
  assert.ok(
    steps.every((step) => step === 1),
    `one point a second: ${steps.join(',')}`,
  );

  const markdown = markdownReport(journal);
  assert.match(markdown, /## Prometheus series/);
  assert.match(
    markdown,
    /\| up-over-a-minute \| demo_up\{instance="127\.0\.0\.1:\d+", job="demo"\} \| 1 \| 1 \| 1 \| █+ \|/,
  );
  const html = htmlReport(journal);
  assert.match(html, /<h2>Prometheus series<\/h2>/);
  assert.match(html, /demo_up\{instance=&#34;127\.0\.0\.1:\d+&#34;, job=&#34;demo&#34;\}/);
});

test("bad PromQL fails the probe with Prometheus's reason", async () => {
  const journal = await run(
    experiment({
      configuration: { prometheus_base_url: baseUrl },
      method: [prometheusProbe('bad', 'query', { query: 'sum(demo_up' })],
    }),
  );
  assert.equal(journal.run[0]!.status, 'failed');
  assert.match(
    journal.run[0]!.exception!.join(''),
    /Prometheus refused the query "sum\(demo_up" \(400 bad_data\): .*unclosed left parenthesis/,
  );
});

test('an unreachable Prometheus fails the probe and names the configuration key', async () => {
  const refusingPort = await closedPort();
  const journal = await run(
    experiment({
      configuration: { prometheus_base_url: `http://127.0.0.1:${refusingPort}` },
      method: [prometheusProbe('nowhere', 'query', { query: 'up' })],
    }),
  );
  assert.equal(journal.run[0]!.status, 'failed');
  assert.match(
    journal.run[0]!.exception!.join(''),
    new RegExp(
      `Prometheus at http://127\\.0\\.0\\.1:${refusingPort}/api/v1/query is unreachable \\(ECONNREFUSED\\); .*"prometheus_base_url"`,
    ),
  );
});

test('a misspelt argument or an unreadable time is refused at validation', async () => {
  await assert.rejects(
    run(experiment({ method: [prometheusProbe('typo', 'query', { qeury: 'up' })] })),
    /argument 'qeury' is not accepted \(did you mean 'query'\?\)/,
  );
  await assert.rejects(
    run(
      experiment({
        method: [
          prometheusProbe('when', 'query_interval', { query: 'up', start: 'last tuesday', end: 'now' }),
        ],
      }),
    ),
    /argument 'start' of probe 'when' is not a time: received "last tuesday"; use "now", "N seconds/,
  );
  await assert.rejects(
    run(experiment({ method: [prometheusProbe('nofunc', 'compute_means', { query: 'up' })] })),
    /chaosprometheus\.probes has no function 'compute_means' in probe 'nofunc'; functions: query, query_interval/,
  );
});

test('query asks at the time "when" names: Unix seconds, RFC 3339 or "N hours ago"', async () => {
  const now = Date.now() / 1000;
  const journal = await run(
    experiment({
      configuration: { prometheus_base_url: baseUrl },
      method: [
        prometheusProbe('unix-seconds', 'query', { query: 'demo_up', when: String(now) }),
        prometheusProbe('rfc-3339', 'query', { query: 'demo_up', when: new Date(now * 1000).toISOString() }),
        prometheusProbe('before-it-ran', 'query', { query: 'demo_up', when: '1 hour ago' }),
      ],
    }),
  );
  const answers = journal.run.map(
    (entry) => (entry.output as { data: { result: Array<{ value: [number, string] }> } }).data.result,
  );
  assert.deepEqual(
    answers.map((result) => result.map(({ value }) => value[1])),
    [['1'], ['1'], []],
  );
  assert.equal(answers[0]![0]!.value[0], Number(now.toFixed(3)));
});
