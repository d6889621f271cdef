import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidActivity } from '../src/experiment/errors.js';
import {
  argumentSchema,
  argumentSchemas,
  checkArguments,
} from '../src/experiment/providers/faultline-arguments.js';
import type { Json } from '../src/model/experiment.js';
import { systemModules } from '../src/system/operations/index.js';

const activity = { name: 'a', type: 'action' };

describe('arguments of faultline provider functions', () => {
  test('every function an experiment can call has a schema, so none is run unchecked', () => {
    const functions = [
      ...Object.entries(argumentSchemas).flatMap(([module, funcs]) =>
        Object.keys(funcs).map((func) => [module, func]),
      ),
      ...Object.entries(systemModules).flatMap(([module, funcs]) =>
        Object.keys(funcs).map((func) => [module, func]),
      ),
    ];
    const missing = functions.filter(([module, func]) => argumentSchema(module!, func!) === undefined);
    assert.deepEqual(missing, []);
    assert.ok(functions.length > 40, `${functions.length} functions`);
  });

  test('a number given as text (an env configuration without env_var_type) is refused, saying how to fix it', () => {
    const latency = (value: Json) =>
      checkArguments(
        'chaostoxi.toxic.actions',
        'create_latency_toxic',
        { for_proxy: 'api', toxic_name: 'slow', latency: value },
        activity,
      );
    assert.throws(
      () => latency('300'),
      (error: Error) =>
        error.message.includes(
          `argument 'latency': Invalid input: expected number, received "300" (a value read from an environment variable is text: give its configuration "env_var_type": "int" or "float", or write a number)`,
        ),
    );
    assert.throws(
      () => latency('slow'),
      (error: Error) => !error.message.includes('env_var_type') && error.message.includes('received "slow"'),
    );
  });

  test('a system number is a number or decimal text; null, booleans, lists and 0x10 are refused', () => {
    const kill = (args: Json) => checkArguments('process', 'kill', args, activity);
    kill({ pid: 4711 });
    kill({ pid: '4711' });
    kill({ match: 'x', expect: '0' });
    // z.coerce read null, false and "" as expect 0: a fault aimed at nothing passed.
    const refused: [string, Json][] = [
      ['expect', null],
      ['expect', false],
      ['expect', ''],
      ['pid', true],
      ['pid', [42]],
      ['pid', '0x10'],
    ];
    for (const [field, value] of refused) {
      assert.throws(
        () => kill({ match: 'x', [field]: value }),
        (error: Error) =>
          error.message.includes(`argument '${field}': expected a number, received ${JSON.stringify(value)}`),
        `${field}: ${JSON.stringify(value)}`,
      );
    }
    assert.throws(
      () => checkArguments('net', 'delay', { lab: 'lab', host: 'a', ms: -5 }, activity),
      /argument 'ms'/,
    );
  });

  test('a value still waiting for dynamic configuration is left for run time; a wrong one is not', () => {
    checkArguments('toxics', 'add', { proxy: '${name}', type: 'latency', toxicity: '${share}' }, activity);
    assert.throws(
      () => checkArguments('toxics', 'add', { proxy: 'redis', type: 'latency', toxicity: 2 }, activity),
      (error: Error) =>
        error instanceof InvalidActivity &&
        /^invalid arguments for toxics\.add in action 'a': argument 'toxicity': .*received 2 /.test(
          error.message,
        ),
    );
  });

  test('the toxic or proxy inside the arguments is checked as the server will check it', () => {
    const refused = (module: string, func: string, args: Json, pattern: RegExp) =>
      assert.throws(
        () => checkArguments(module, func, args, activity),
        (error: Error) => error instanceof InvalidActivity && pattern.test(error.message),
      );
    refused(
      'toxics',
      'add',
      { proxy: 'web', type: 'latency', attributes: { latncy: 3000 } },
      /^invalid arguments for toxics\.add in action 'a': the server would refuse them: .*unknown field "latncy"/,
    );
    refused(
      'toxics',
      'add',
      { proxy: 'web', type: 'latncy' },
      /the server would refuse them: invalid toxic type/,
    );
    refused(
      'chaostoxi.toxic.actions',
      'create_toxic',
      { for_proxy: 'web', toxic_name: 't', toxic_type: 'slicer', attributes: { average_size: 0 } },
      /the server would refuse them: invalid attribute average_size of slicer toxic "t"/,
    );
    refused(
      'proxies',
      'create',
      { name: 'web', upstream: 'nowhere' },
      /the server would refuse them: address nowhere: missing port in address/,
    );
    checkArguments(
      'toxics',
      'add',
      { proxy: 'web', type: 'latency', attributes: { latency: 3000 } },
      activity,
    );
    checkArguments('toxics', 'add', { proxy: 'web', type: '${kind}', attributes: { latncy: 1 } }, activity);
  });

  test('stress kinds are checked by the stress spec, with the cgroup the runner adds', () => {
    checkArguments('stress', 'memory', { bytes: '64MiB', seconds: 5, cgroup: 'web' }, activity);
    checkArguments('stress', 'memory', { bytes: '64MiB', seconds: 5, force: true }, activity);
    assert.throws(
      () => checkArguments('stress', 'cpu', { seconds: 5, force: true }, activity),
      (error: Error) =>
        error instanceof InvalidActivity && /stress\.cpu/.test(error.message) && /force/.test(error.message),
    );
    assert.throws(
      () => checkArguments('stress', 'memory', { byte: '64MiB', seconds: 5 }, activity),
      (error: Error) =>
        error instanceof InvalidActivity &&
        /stress\.memory/.test(error.message) &&
        /byte/.test(error.message),
    );
  });
});
