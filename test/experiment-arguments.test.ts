import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidActivity } from '../src/experiment/errors.js';
import {
  argumentSchema,
  argumentSchemas,
  checkArguments,
  checkArgumentsShape,
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
      /--ms \("ms" in an experiment\) must be a time from 1us to 60s .*, not -5/,
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
    refused(
      'chaostoxi.proxy.actions',
      'modify_proxy',
      { proxy_name: 'web', listen_address: 'nope' },
      /^invalid arguments for chaostoxi\.proxy\.actions\.modify_proxy in action 'a': the server would refuse them: .*nope/,
    );
    refused(
      'chaostoxi.proxy.actions',
      'modify_proxy',
      { proxy_name: 'web', upstream_address: '127.0.0.1:99999' },
      /the server would refuse them: .*99999/,
    );
    checkArguments(
      'chaostoxi.proxy.actions',
      'modify_proxy',
      { proxy_name: 'web', listen_address: '127.0.0.1:26379', enabled: false },
      activity,
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

  test('values the system actions refuse when they run are refused at validation, naming the argument', () => {
    const refused = (module: string, func: string, args: Json, expected: string[]) =>
      assert.throws(
        () => checkArguments(module, func, args, activity),
        (error: Error) =>
          error instanceof InvalidActivity &&
          error.message.startsWith(`invalid arguments for ${module}.${func} in action 'a': `) &&
          expected.every((part) => error.message.includes(part)),
        `${module}.${func} ${JSON.stringify(args)}`,
      );
    refused('process', 'kill', { port: 8080, signal: 'SIGFOO' }, [
      `argument 'signal': unknown signal "SIGFOO"`,
    ]);
    refused('process', 'pause', { port: 8080, pid: 5 }, [
      'exactly one of pid, port, match or pidfile (given: pid, port)',
    ]);
    refused('process', 'resume', {}, ['(given: none)']);
    refused('process', 'kill', { match: '(x' }, ['match "(x" is not a regular expression']);
    refused('cgroup', 'create', { name: 'a/../b', memory: '64XB' }, [
      `argument 'name': cgroup name "a/../b"`,
      `argument 'memory': memory must be a size`,
    ]);
    refused('cgroup', 'limit', { name: 'web', cpuPercent: 20 }, ['(given: none)']);
    refused('cgroup', 'create', { name: 'web', cpuPercent: 0.5 }, [
      `argument 'cpuPercent': cpuPercent is a percentage of one CPU (50 is half a CPU, 200 two), at least 1`,
      '0.5 would be half of one percent, not half a CPU',
    ]);
    refused('stress', 'cpu', { seconds: 1, cgroup: '../x' }, [`argument 'cgroup': cgroup name "../x"`]);
    refused('net', 'create', { lab: 'X', hosts: ['a', 'B'], subnet: '1.2.3' }, [
      `argument 'lab': lab name "X"`,
      `argument 'hosts': host name "B"`,
      `argument 'subnet': subnet "1.2.3"`,
    ]);
    refused('net', 'limit', { lab: 'lab', host: 'a', rate: '10furlongs' }, [
      `argument 'rate': rate "10furlongs"`,
    ]);
    refused('syscall', 'attach', { port: 8080, syscall: 'Bad!', error: 'EFOO', when: 'bogus', seconds: 1 }, [
      `argument 'syscall': "Bad!" is not a syscall name`,
      `argument 'error': unknown errno "EFOO"`,
      `argument 'when': invalid when "bogus"`,
    ]);
    refused('syscall', 'attach', { port: 8080, syscall: 'write', seconds: 1 }, [
      `arguments 'error' and 'delayMs': say what to inject`,
    ]);
    refused('use', 'cpu', { pid: 1, port: 2 }, ['(given: pid, port)']);
    refused('etcd', 'status', { endpoints: ['ftp://127.0.0.1:2379'] }, [
      `argument 'endpoints.0': expected an http:// or https:// URL, or host:port`,
    ]);
    refused('etcd', 'metrics', { endpoint: 'http://' }, [`argument 'endpoint': expected an http://`]);
    refused(
      'etcd',
      'move_leader',
      { endpoints: ['127.0.0.1:2379', '127.0.0.1:2479'], to: 'http://127.0.0.1:2479' },
      [`argument 'to': must be one of the endpoints`],
    );
    refused('etcd', 'wait_for_leader', { endpoints: ['127.0.0.1:2379'], not: 'a:1' }, [
      `argument 'not': must be one of`,
    ]);
    checkArguments('etcd', 'status', { endpoints: ['127.0.0.1:2379', 'https://etcd-2:2379'] }, activity);
    checkArguments(
      'etcd',
      'move_leader',
      { endpoints: ['127.0.0.1:2379', '127.0.0.1:2479'], to: '127.0.0.1:2479' },
      activity,
    );
    refused('use', 'process', { seconds: 1 }, ['use.process samples one process: choose it with pid']);
    refused('load', 'run', { url: 'ftp://127.0.0.1/', requests: 1 }, [
      `argument 'url': expected an http:// or https:// URL`,
    ]);

    checkArguments('process', 'kill', { port: 8080, signal: '9' }, activity);
    checkArguments('process', 'kill', { port: 8080, signal: 9 }, activity);
    refused('process', 'kill', { port: 8080, signal: 99 }, [`argument 'signal': unknown signal "99"`]);
    refused('process', 'kill', { port: 8080, signal: true }, [
      `argument 'signal': expected a signal name or number`,
    ]);
    checkArguments('process', 'kill', { port: '${port}', signal: '${signal}' }, activity);
    checkArguments('syscall', 'attach', { pid: 7, syscall: 'write', delayMs: 5, seconds: 1 }, activity);
    checkArguments(
      'syscall',
      'attach',
      { pid: 7, syscall: 'write', error: 'EIO', when: 3, seconds: 1 },
      activity,
    );
    checkArguments('use', 'cpu', {}, activity);
    checkArguments('cgroup', 'oom_kills', {}, activity);
    checkArguments('net', 'create', { lab: 'lab', hosts: ['a', 'b'] }, activity);
    // tc reads its units in any case, and shows rates as "1Mbit": that spelling is taken too.
    for (const rate of ['1Mbit', '512Kbit', '10MBps', '1Gbit'])
      checkArguments('net', 'limit', { lab: 'lab', host: 'a', rate }, activity);
  });

  test('arguments written as a list or a text are refused, not read as no arguments', () => {
    for (const [args, given] of [
      [['web', 'latency'], 'a list of 2'],
      ['now', 'the string "now"'],
      [5, 'the number 5'],
    ] as const) {
      assert.throws(
        () => checkArgumentsShape('stress', 'stop', args as Json, activity),
        (error: Error) =>
          error instanceof InvalidActivity &&
          error.message.startsWith(
            `invalid arguments for stress.stop in action 'a': arguments must be an object of names and values (such as {"proxy": "db"}), not ${given}`,
          ),
      );
    }
    checkArgumentsShape('stress', 'stop', undefined, activity);
    checkArgumentsShape('stress', 'stop', null, activity);
    checkArgumentsShape('stress', 'stop', {}, activity);
  });
});
