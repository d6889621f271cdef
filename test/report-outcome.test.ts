import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeOutcome, summarizeOutput } from '../src/experiment/report/outcome.js';

describe('report outcomes: one line a reader can use', () => {
  test('a load report shows its counts and latency percentiles, not a cut JSON prefix', () => {
    const report = {
      url: 'http://127.0.0.1:8080/blog/',
      concurrency: 1,
      requests: 5,
      succeeded: 5,
      failures: { total: 0, byKind: {} },
      durationSeconds: 5.06,
      requestsPerSecond: 0.99,
      latencyMs: { min: 1009, mean: 1012.68, p50: 1011.63, p90: 1018.09, p99: 1018.09, max: 1018.09 },
      statusCodes: { 200: 5 },
      perSecond: [],
    };
    assert.equal(
      summarizeOutput(report),
      '5 requests, 0 failed, 0.99/s; latency ms mean 1012.68 · p50 1011.63 · p90 1018.09 · p99 1018.09 · max 1018.09',
    );
  });

  test('an HTTP answer, a process exit, nested fields by path, a failure', () => {
    assert.equal(summarizeOutput({ status: 503, headers: {}, body: 'down\n' }), 'HTTP 503: down');
    assert.equal(summarizeOutput({ status: 0, stdout: 'ok\n', stderr: '' }), 'exit 0: ok');
    assert.equal(
      summarizeOutput({ leader: 'm2', write: { ok: false, ms: 3001 }, members: [1, 2, 3] }),
      'leader=m2, write.ok=false, write.ms=3001, members=[3 items]',
    );
    assert.equal(summarizeOutput(true), 'true');
    assert.equal(summarizeOutput(`${'x'.repeat(300)}`).length, 200);
    assert.equal(
      describeOutcome({
        activity: {},
        output: null,
        start: '',
        status: 'failed',
        exception: ['Traceback', 'ActivityFailed: boom\n'],
      }),
      'ActivityFailed: boom',
    );
  });
});
