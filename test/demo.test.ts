import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, spawnCli, startTcpServer, waitFor } from './helpers.js';

async function timedGet(url: string): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  return { text, ms: performance.now() - started };
}

test('faultline demo --demo-ports 0 --port 0 runs on free ports and prints the ones it took', async () => {
  const demo = spawnCli(['demo', '--port', '0', '--demo-ports', '0']);
  await waitFor(
    () => demo.output().stdout.includes('Press Ctrl-C'),
    'the demo to print its commands',
    20_000,
  );
  const { stdout } = demo.output();
  const [plain, slow] = [...stdout.matchAll(/curl -s (http:\/\/127\.0\.0\.1:\d+\/) +# through proxy/g)].map(
    (match) => match[1]!,
  );
  assert.ok(plain && slow, stdout);
  assert.doesNotMatch(stdout, /:2000[0-2]\//);

  const direct = await timedGet(plain);
  assert.match(direct.text, /^hello from the demo upstream: GET \/ at /);
  const delayed = await timedGet(slow);
  assert.match(delayed.text, /^hello from the demo upstream: GET \/ at /);
  assert.ok(delayed.ms >= 200, `through demo_slow in ${delayed.ms} ms; its latency toxic is 250 ± 50 ms`);

  demo.child.kill('SIGTERM');
  assert.equal((await demo.done).code, 0);
});

/**
 * Runs the demo on three ports around one this test holds. Another process may take one of the
 * other two meanwhile (they are ephemeral ports); then the demo names that port, and the test
 * tries elsewhere, a bounded number of times.
 */
async function demoBeside(offset: number): Promise<{ port: number; code: number | null; stderr: string }> {
  for (let attempt = 1; ; attempt++) {
    const taken = await startTcpServer(() => undefined);
    const { code, stderr } = await runCli([
      'demo',
      '--port',
      '0',
      '--demo-ports',
      String(taken.port - offset),
    ]);
    await taken.close();
    if (stderr.includes(`127.0.0.1:${taken.port} `) || attempt === 5)
      return { port: taken.port, code, stderr };
  }
}

test('a taken demo port is named, with the flag that moves the demo elsewhere', async () => {
  const taken = await demoBeside(2);
  const { code, stderr } = taken;
  assert.equal(code, 2, stderr);
  assert.equal(
    stderr,
    `faultline: cannot listen on 127.0.0.1:${taken.port} for the demo upstream: address already in use; ` +
      'pass --demo-ports with the first of three free consecutive ports (for example --demo-ports 21000), ' +
      'or --demo-ports 0 to let the system choose\n',
  );
});

test('a taken demo proxy port is the one named, not the first', async () => {
  const taken = await demoBeside(1);
  const { code, stderr } = taken;
  assert.equal(code, 2, stderr);
  assert.equal(
    stderr,
    `faultline: cannot listen on 127.0.0.1:${taken.port} for a demo proxy: address already in use; ` +
      'pass --demo-ports with the first of three free consecutive ports (for example --demo-ports 21000), ' +
      'or --demo-ports 0 to let the system choose\n',
  );
});

test('--demo-ports refuses what is not a port, saying what it received', async () => {
  const { code, stderr } = await runCli(['demo', '--demo-ports', '80']);
  assert.equal(code, 2, stderr);
  assert.match(
    stderr,
    /--demo-ports <first>' argument '80' is invalid\. received "80"; expected the first of three/,
  );
});

test('a taken control API port names the flags that move the demo, after npm run demo -- under npm', async () => {
  const taken = await startTcpServer(() => undefined);
  try {
    const plain = await runCli(['demo', '--port', String(taken.port), '--demo-ports', '0'], {
      npm_lifecycle_event: '',
    });
    assert.equal(plain.code, 2, plain.stderr);
    assert.equal(
      plain.stderr,
      `faultline: cannot listen on 127.0.0.1:${taken.port} for the control API: address already in use ` +
        '(is another faultline or toxiproxy-server running?); pass --port with a free port, ' +
        'or --port 0 --demo-ports 0 to let the system choose every port\n',
    );
    // `npm run demo --port 0` gives --port to npm, not to the demo: the advice shows the `--`.
    const underNpm = await runCli(['demo', '--port', String(taken.port), '--demo-ports', '0'], {
      npm_lifecycle_event: 'demo',
    });
    assert.equal(underNpm.code, 2, underNpm.stderr);
    assert.match(
      underNpm.stderr,
      /; pass --port with a free port, or --port 0 --demo-ports 0 to let the system choose every port \(after --, as in npm run demo -- --port 0 --demo-ports 0\)\n$/,
    );
  } finally {
    await taken.close();
  }
});

test('under npm run demo, a taken demo port also shows where the flag goes', async () => {
  const taken = await startTcpServer(() => undefined);
  try {
    const { code, stderr } = await runCli(['demo', '--port', '0', '--demo-ports', String(taken.port - 2)], {
      npm_lifecycle_event: 'demo',
    });
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /, or --demo-ports 0 to let the system choose \(after --, as in npm run demo -- --demo-ports 0\)\n$/,
    );
  } finally {
    await taken.close();
  }
});
