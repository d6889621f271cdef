// A real Prometheus (Debian's `prometheus`) watching the cluster, as the network-chaos guide
// watches its own: it scrapes the three members' /metrics and the faultline server's, on a
// loopback port, with its data in a temp directory removed once it has stopped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../processes.mjs';

const PROMETHEUS = '/usr/bin/prometheus';
/** Two scrapes fit in a second: a probe that waits one second sees the present. */
export const SCRAPE_INTERVAL = '500ms';

export function requirePrometheus() {
  try {
    execFileSync(PROMETHEUS, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${PROMETHEUS} is not installed: apt-get install prometheus`);
  }
}

/**
 * Starts Prometheus with one job per entry of `jobs` ({name: ["host:port", ...]}) and returns
 * its URL once every target has been scraped and is up.
 */
export async function startPrometheus({ jobs, start, afterStop }) {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-etcd-prometheus-'));
  afterStop(() => rmSync(directory, { recursive: true, force: true }));
  const config = join(directory, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL}`,
      `  scrape_timeout: ${SCRAPE_INTERVAL}`,
      'scrape_configs:',
      ...Object.entries(jobs).flatMap(([job, targets]) => [
        `  - job_name: ${job}`,
        '    static_configs:',
        `      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]`,
      ]),
    ].join('\n') + '\n',
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = start(PROMETHEUS, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(directory, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=error',
  ]);
  const expected = Object.values(jobs).flat().length;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode} at start`);
    const up = await upTargets(url);
    if (up === expected) return { url, pid: child.pid, directory };
    if (Date.now() > deadline)
      throw new Error(`prometheus at ${url}: ${up} of ${expected} targets up after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function upTargets(url) {
  try {
    const answer = await fetch(`${url}/api/v1/targets?state=active`);
    if (!answer.ok) return 0;
    const { data } = await answer.json();
    return data.activeTargets.filter((target) => target.health === 'up').length;
  } catch {
    return 0;
  }
}
