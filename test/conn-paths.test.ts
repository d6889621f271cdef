import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfigFile } from '../src/config/config-file.js';
import { experiment, run as runExperiment } from './experiment-helpers.js';
import { createProxy, runCli, startEchoServer, startHarness, tempDirectory } from './helpers.js';
import { createUdpProxy, startUdpEcho } from './udp-helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();
const udpEcho = await startUdpEcho();
const cli = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);

/** The new toxics, as a config or apply file lists them. */
const fileText = `proxies:
  - name: conn_file
    listen: 127.0.0.1:0
    upstream: ${echo.address}
    toxics:
      - { name: slow_start, type: connect_delay, attributes: { delay: 20 } }
      - { name: down_once, type: refuse, stream: upstream, attributes: { first: 1 } }
      - { name: cable, type: limit_time, attributes: { time: 60000, mode: hang } }
      - { name: rot, type: corrupt, stream: upstream, toxicity: 0.5, attributes: { probability: 10 } }
      - { name: pipe, type: bandwidth, attributes: { rate: 1000, scope: proxy } }
  - name: udp_file
    listen: 127.0.0.1:0
    upstream: ${udpEcho.address}
    protocol: udp
    idle_timeout: 5000
    toxics:
      - { name: lossy, type: loss, attributes: { probability: 100000, correlation: 250000 } }
      - { name: far, type: udp_latency, attributes: { latency: 10, jitter: 5, correlation: 500000 } }
`;

/** Upstream toxics first, then downstream, each in the order added, as Toxiproxy lists them. */
const expectedToxics = [
  { attributes: { first: 1 }, name: 'down_once', type: 'refuse', stream: 'upstream', toxicity: 1 },
  { attributes: { probability: 10 }, name: 'rot', type: 'corrupt', stream: 'upstream', toxicity: 0.5 },
  { attributes: { delay: 20 }, name: 'slow_start', type: 'connect_delay', stream: 'downstream', toxicity: 1 },
  {
    attributes: { time: 60000, mode: 'hang' },
    name: 'cable',
    type: 'limit_time',
    stream: 'downstream',
    toxicity: 1,
  },
  {
    attributes: { rate: 1000, scope: 'proxy' },
    name: 'pipe',
    type: 'bandwidth',
    stream: 'downstream',
    toxicity: 1,
  },
];

describe('the connection and datagram toxics through every generic path', () => {
  test('toxic add -t on the CLI, with a choice attribute and a counter', async () => {
    await createProxy(harness, 'conn_cli', echo.address);
    const added = await cli([
      'toxic',
      'add',
      'conn_cli',
      '-t',
      'limit_time',
      '-a',
      'time=100',
      '-a',
      'mode=hang',
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(
      added.stdout,
      "Added downstream limit_time toxic 'limit_time_downstream' on proxy 'conn_cli'\n",
    );
    const refused = await cli(['toxic', 'add', 'conn_cli', '-t', 'refuse', '-u', '-a', 'first=2']);
    assert.equal(refused.code, 0, refused.stderr);
    const toxics = (await harness.api('GET', '/proxies/conn_cli/toxics')).json;
    assert.deepEqual(
      toxics.map((toxic: any) => [toxic.name, toxic.attributes]),
      [
        ['refuse_upstream', { first: 2 }],
        ['limit_time_downstream', { time: 100, mode: 'hang' }],
      ],
    );
    await createUdpProxy(harness, 'udp_cli', udpEcho.address);
    const loss = await cli(['toxic', 'add', 'udp_cli', '-t', 'loss', '-a', 'probability=50000']);
    assert.equal(loss.code, 0, loss.stderr);
    const wrong = await cli(['toxic', 'add', 'udp_cli', '-t', 'latency', '-a', 'latency=5']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /toxic type latency does not run on a udp proxy.*use udp_latency instead/s);
  });

  test('a config file', async () => {
    const path = join(tempDirectory('conn-config'), 'faultline.yaml');
    await writeFile(path, fileText);
    const specs = await loadConfigFile(path);
    const other = await startHarness();
    await other.engine.populate(specs);
    assert.deepEqual((await other.api('GET', '/proxies/conn_file/toxics')).json, expectedToxics);
    const udp = (await other.api('GET', '/proxies/udp_file')).json;
    assert.equal(udp.protocol, 'udp');
    assert.equal(udp.idle_timeout, 5000);
    assert.deepEqual(
      udp.toxics.map((toxic: any) => toxic.type),
      ['loss', 'udp_latency'],
    );
  });

  test('apply, then export and apply again: no changes', async () => {
    const directory = tempDirectory('conn-apply');
    const path = join(directory, 'apply.yaml');
    await writeFile(path, fileText);
    const applied = await cli(['apply', path]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual((await harness.api('GET', '/proxies/conn_file/toxics')).json, expectedToxics);
    assert.equal((await harness.api('GET', '/proxies/udp_file')).json.idle_timeout, 5000);
    const exported = await cli(['export', '--format', 'yaml']);
    assert.equal(exported.code, 0, exported.stderr);
    const again = join(directory, 'export.yaml');
    await writeFile(again, exported.stdout);
    assert.equal((await cli(['apply', again])).stdout, `no changes: the server matches ${again}\n`);
  });

  test("an experiment's faultline provider adds them", async () => {
    await createProxy(harness, 'conn_run', echo.address);
    const journal = await runExperiment(
      experiment({
        configuration: { faultline_url: harness.url },
        method: [
          {
            type: 'action',
            name: 'slow connects',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'add',
              arguments: { proxy: 'conn_run', type: 'connect_delay', attributes: { delay: 50 } },
            },
          },
          {
            type: 'action',
            name: 'flip bits',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'add',
              arguments: {
                proxy: 'conn_run',
                type: 'corrupt',
                stream: 'upstream',
                attributes: { probability: 100 },
              },
            },
          },
        ],
      }),
    );
    assert.equal(journal.status, 'completed', JSON.stringify(journal.run.map((entry) => entry.exception)));
    assert.deepEqual(
      (await harness.api('GET', '/proxies/conn_run/toxics')).json.map((toxic: any) => toxic.type),
      ['corrupt', 'connect_delay'],
    );
  });
});
