import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { pyStr } from '../src/experiment/python-values.js';
import { experiment, run } from './experiment-helpers.js';

/**
 * chaoslib logs each activity's result at DEBUG (`  => succeeded with '<str(result)>'`), which
 * chaos's log file keeps: teams read outputs there, and faultline's log file had none.
 */
describe("the log's DEBUG line for each activity's result, as chaoslib writes it", () => {
  test('a process output as a Python dict, a dry activity without a result value, secrets masked', async () => {
    const debug: string[] = [];
    await run(
      experiment({
        secrets: { db: { password: 'hunter2' } },
        method: [
          {
            type: 'action',
            name: 'echo',
            provider: {
              type: 'process',
              path: 'sh',
              arguments: ['-c', "printf 'it'\\''s\\tok\\n${password}'"],
            },
          },
          {
            type: 'probe',
            name: 'dry one',
            provider: { type: 'process', path: 'true' },
          },
        ],
      }),
      { log: { ...silentLog, debug: (message: string) => debug.push(message) }, dry: 'probes' },
    );
    assert.deepEqual(debug, [
      `  => succeeded with '{'status': 0, 'stdout': "it's\\tok\\n***", 'stderr': ''}'`,
      '  => succeeded without any result value',
    ]);
  });

  test("str() of nested values is Python's: repr of strings inside, True, None, floats", () => {
    assert.deepEqual(
      [
        pyStr({ a: ["x'y", 'q"u\'o', 'back\\slash', '\u0001'], b: true, c: null, d: 1.5, e: 2 }),
        pyStr('plain text stays as it is\n'),
      ],
      [
        `{'a': ["x'y", 'q"u\\'o', 'back\\\\slash', '\\x01'], 'b': True, 'c': None, 'd': 1.5, 'e': 2}`,
        'plain text stays as it is\n',
      ],
    );
  });

  test("chaoslib's INFO lines: '[in background]' after a background activity's name, 'before next activity' for a pause, logged under --dry too", async () => {
    const lines = async (dry?: 'pause') => {
      const info: string[] = [];
      await run(
        experiment({
          method: [
            {
              type: 'action',
              name: 'traffic',
              background: true,
              provider: { type: 'process', path: 'true' },
            },
            {
              type: 'action',
              name: 'cut',
              pauses: { before: 0.01, after: '${wait}' },
              provider: { type: 'process', path: 'true' },
            },
          ],
          configuration: { wait: 0.02 },
        }),
        { log: { ...silentLog, info: (message: string) => info.push(message) }, ...(dry ? { dry } : {}) },
      );
      return info.filter((line) => /^(Action|Pausing)/.test(line));
    };
    // The background activity logs from its own task, beside the next one's lines, as in chaos.
    const foreground = [
      'Pausing before next activity for 0.01s...',
      'Action: cut',
      'Pausing after activity for 0.02s...',
    ];
    for (const logged of [await lines(), await lines('pause')]) {
      assert.ok(logged.includes('Action: traffic [in background]'), logged.join('\n'));
      assert.deepEqual(
        logged.filter((line) => !line.includes('traffic')),
        foreground,
      );
    }
  });
});
