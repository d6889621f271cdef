import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { announced, spawnCli, startHttpApp } from './helpers.js';
import { startBrowser } from './browser-helpers.js';

/** A page that fetches /api/1 and /api/2 in turn and shows their statuses. */
const page = `<!doctype html><html><head></head><body><script>
(async () => {
  const statuses = [];
  for (const n of [1, 2]) statuses.push((await fetch('/api/' + n)).status);
  document.body.dataset.statuses = statuses.join(',');
})();
</script></body></html>`;
const { origin: app } = await startHttpApp((request, response) => {
  if (request.url?.startsWith('/api/')) return response.end('{}');
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end(page);
});
const browser = await startBrowser();

describe('browser-proxy says that --every and --first count each page load', () => {
  test('--first 1 faults the first request of every page, and the proxy says so when it starts', async () => {
    const proxy = spawnCli([
      'browser-proxy',
      '--target',
      app,
      '--port',
      '0',
      '--status',
      '503',
      '--first',
      '1',
      '--url',
      '/api/',
    ]);
    const [, url] = await announced(
      proxy.child,
      'stderr',
      /browser-proxy on (http:\/\/\S+) -> .*\n/,
      'browser-proxy',
    );
    assert.match(
      proxy.output().stderr,
      /for the first 1 requests \(--every and --first count the requests of each page load: the script starts again on every page\)\n/,
    );
    const tab = await browser.newPage();
    const loads: string[] = [];
    for (let load = 0; load < 2; load += 1) {
      await tab.goto(url!);
      await tab.waitForSelector('body[data-statuses]', { state: 'attached' });
      loads.push((await tab.getAttribute('body', 'data-statuses'))!);
    }
    assert.deepEqual(loads, ['503,200', '503,200']);
    await tab.close();
    process.kill(proxy.child.pid!, 'SIGTERM');
    await proxy.done;
  });

  test('without --every or --first, the line has no such note', async () => {
    const proxy = spawnCli(['browser-proxy', '--target', app, '--port', '0', '--status', '503']);
    await announced(proxy.child, 'stderr', /browser-proxy on .*\n/, 'browser-proxy');
    assert.doesNotMatch(proxy.output().stderr, /page load/);
    process.kill(proxy.child.pid!, 'SIGTERM');
    await proxy.done;
  });
});
