import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withFaults, wrap } from '../src/inject/wrap.js';

const client = () => ({ get: async () => 'real' });

describe('wrap and withFaults refuse arguments they cannot honour, on or off', () => {
  test('enabled that is not a boolean is refused: "false" would have turned faults on', async () => {
    for (const enabled of ['false', 'true', 0, 1, null]) {
      for (const on of [
        () => wrap(client(), { error: 'boom' }, { enabled } as never),
        () => withFaults(async () => 'real', { error: 'boom' }, { enabled } as never),
      ]) {
        assert.throws(on, {
          code: 'FAULTLINE_ERR_INVALID_FIELD',
          message:
            /options: enabled must be true or false \(or left out, to follow FAULTLINE_INJECT\), received/,
        });
      }
    }
    assert.equal(await wrap(client(), { error: 'boom' }, { enabled: false }).get(), 'real');
  });

  test('a client that is not an object, or a function that is not one, is refused when the call is made', () => {
    for (const enabled of [true, false]) {
      assert.throws(
        () => wrap(null as never, { error: 'boom' }, { enabled }),
        /^FaultlineError: wrap: the client must be an object whose methods get faults, received null$/,
      );
      assert.throws(() => wrap('redis' as never, { error: 'boom' }, { enabled }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message: /wrap: the client must be an object whose methods get faults, received "redis"/,
      });
      assert.throws(() => withFaults(42 as never, { error: 'boom' }, { enabled }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message: /withFaults: the first argument must be the function to fault, received 42/,
      });
    }
  });
});
