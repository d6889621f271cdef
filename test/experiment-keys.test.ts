import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkKeys } from '../src/experiment/key-check.js';
import { describeUnknownKey } from '../src/experiment/known-keys.js';
import { InvalidExperiment } from '../src/experiment/errors.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures } from './experiment-helpers.js';

describe('keys nobody reads', () => {
  test('every level is checked: providers, tolerances, configuration, secrets, runtime, refs', () => {
    const report = checkKeys(
      experiment({
        configuration: { port: { type: 'env', key: 'PORT', defualt: 1 } },
        secrets: { api: { token: { type: 'env', key: 'TOKEN', default: 'x' } } },
        runtime: { rollbacks: { stratgy: 'always' } },
        'steady-state-hypothesis': {
          title: 'h',
          probes: [
            {
              type: 'probe',
              name: 'p',
              provider: { type: 'process', path: 'echo', argument: ['x'] },
              tolerance: { type: 'regex', pattern: 'x', taget: 'stdout' },
            },
          ],
        },
        method: [
          { ref: 'p', name: 'again' },
          { type: 'action', name: 'h', provider: { type: 'http', url: 'http://127.0.0.1:1', verify: false } },
        ],
      }),
    );
    assert.deepEqual(report.unknown.map(describeUnknownKey), [
      "unknown key 'argument' in steady-state-hypothesis.probes[0] ('p').provider is not read by the runner; did you mean 'arguments'?",
      "unknown key 'taget' in steady-state-hypothesis.probes[0] ('p').tolerance is not read by the runner; did you mean 'target'?",
      "unknown key 'name' in method[0] (ref to 'p') is not read by the runner",
      "unknown key 'verify' in method[1] ('h').provider is not read by the runner",
      "unknown key 'stratgy' in runtime.rollbacks is not read by the runner; did you mean 'strategy'?",
      "unknown key 'defualt' in configuration.port is not read by the runner; did you mean 'default'?",
      "unknown key 'default' in secrets.api.token is not read by the runner",
    ]);
  });

  test("a hypothesis ref's own tolerance is read (chaoslib checks it), its keys checked; a method ref's is not", () => {
    const report = checkKeys(
      experiment({
        'steady-state-hypothesis': {
          title: 'h',
          probes: [{ ref: 'p', tolerance: { type: 'regex', pattern: 'x', taget: 'stdout' } }],
        },
        method: [
          { type: 'probe', name: 'p', provider: { type: 'process', path: 'echo' } },
          { ref: 'p', tolerance: 0 },
        ],
      }),
    );
    assert.deepEqual(report.unknown.map(describeUnknownKey), [
      "unknown key 'taget' in steady-state-hypothesis.probes[0] (ref to 'p').tolerance is not read by the runner; did you mean 'target'?",
      "unknown key 'tolerance' in method[1] (ref to 'p') is not read by the runner",
    ]);
  });

  test('a contribution level reports do not know is named; the four levels are not', () => {
    const report = checkKeys({
      title: 't',
      description: 'd',
      method: [],
      contributions: { reliability: 'high', cost: 'none', latency: 'extreme', security: 3 },
    });
    assert.deepEqual(report.ignored, [
      `contributions 'latency' is "extreme": a contribution is "high", "medium", "low" or "none" (chaos run does not check it either; reports show it as written)`,
      `contributions 'security' is 3: a contribution is "high", "medium", "low" or "none" (chaos run does not check it either; reports show it as written)`,
    ]);
    assert.deepEqual(
      checkKeys({ title: 't', description: 'd', method: [], contributions: ['high'] }).ignored,
      [
        'contributions is ["high"], not an object of {name: "high" | "medium" | "low" | "none"}: reports will not read it',
      ],
    );
  });

  test('an unknown runtime strategy is an error, not a silent default', async () => {
    await assert.rejects(
      validateExperiment(experiment({ runtime: { rollbacks: { strategy: 'alwayz' } } }), fixtures),
      (error: Error) =>
        error instanceof InvalidExperiment &&
        error.message ===
          'runtime.rollbacks.strategy must be one of default, always, never, deviated; received "alwayz"',
    );
  });

  test('warnings reach the caller; strict makes them one error', async () => {
    const seen: string[] = [];
    const value = experiment({
      rollback: [],
      controls: [{ name: 'c', scop: 'after', provider: { type: 'javascript', module: './controls.mjs' } }],
    });
    await validateExperiment(value, fixtures, { warn: (message) => seen.push(message) });
    assert.deepEqual(seen, [
      "unknown key 'rollback' in the experiment is not read by the runner; did you mean 'rollbacks'?",
      "unknown key 'scop' in controls[0] ('c') is not read by the runner; did you mean 'scope'?",
    ]);
    await assert.rejects(
      validateExperiment(value, fixtures, { strict: true }),
      (error: Error) =>
        error instanceof InvalidExperiment &&
        /^--strict: unknown key 'rollback'.*unknown key 'scop' in controls\[0\]/.test(error.message),
    );
  });
});

describe('typos in the addons controls faultline runs natively', () => {
  const safeguarded = () =>
    experiment({
      controls: [
        {
          name: 'guard',
          provider: {
            type: 'python',
            module: 'chaosaddons.controls.safeguards',
            arguments: {
              intrupt_after_activity: true,
              probes: [
                {
                  type: 'probe',
                  name: 'healthy',
                  background: true,
                  frequncy: 1,
                  provider: { type: 'process', path: 'true' },
                  tolerance: 0,
                },
              ],
            },
          },
        },
        {
          name: 'sync',
          provider: {
            type: 'python',
            module: 'chaosaddons.controls.synchronization',
            arguments: { wait: 1 },
          },
        },
      ],
    });

  test('a safeguard probe key and control arguments are warned of, with the closest key', () => {
    assert.deepEqual(checkKeys(safeguarded()).unknown.map(describeUnknownKey), [
      "unknown key 'intrupt_after_activity' in controls[0] ('guard').provider.arguments is not read by the runner; did you mean 'interrupt_after_activity'?",
      "unknown key 'frequncy' in controls[0] ('guard').provider.arguments.probes[0] ('healthy') is not read by the runner; did you mean 'frequency'?",
      "unknown key 'wait' in controls[1] ('sync').provider.arguments is not read by the runner",
    ]);
  });

  test('--strict refuses them', async () => {
    await assert.rejects(validateExperiment(safeguarded(), fixtures, { strict: true }), {
      name: 'InvalidExperiment',
      message: /^--strict: unknown key 'intrupt_after_activity'.*unknown key 'frequncy'/,
    });
  });
});

describe('safeguard probes: their tolerance and background are read', () => {
  // docs/experiments.md's own example, with background: true beside it.
  const guarded = () =>
    experiment({
      controls: [
        {
          name: 'safeguard',
          provider: {
            type: 'python',
            module: 'chaosaddons.controls.safeguards',
            arguments: {
              probes: [
                {
                  name: 'error rate is low',
                  type: 'probe',
                  provider: { type: 'http', url: 'http://127.0.0.1:9090/api/errors' },
                  tolerance: 200,
                  frequency: 2,
                },
                {
                  name: 'up at once',
                  type: 'probe',
                  background: true,
                  provider: { type: 'http', url: 'http://127.0.0.1:9090/health' },
                  tolerance: 200,
                },
              ],
            },
          },
        },
      ],
    });

  test('validate warns of neither, and --strict accepts them', async () => {
    const warnings: string[] = [];
    await validateExperiment(guarded(), fixtures, { warn: (message) => warnings.push(message) });
    assert.deepEqual(warnings, []);
    await validateExperiment(guarded(), fixtures, { strict: true });
  });
});

describe('keys chaos run accepts and then ignores', () => {
  const value = () =>
    experiment({
      'steady-state-hypothesis': {
        title: 'h',
        probes: [
          {
            type: 'probe',
            name: 'p',
            background: true,
            provider: { type: 'process', path: 'true' },
            tolerance: 0,
          },
        ],
      },
      method: [
        {
          type: 'probe',
          name: 'web',
          timeout: 3,
          dry: true,
          provider: { type: 'http', url: 'http://127.0.0.1:9/', expected_status: 200 },
          tolerance: 200,
        },
        {
          type: 'action',
          name: 'own',
          configuration: { region: 'eu' },
          secrets: ['vault'],
          provider: { type: 'process', path: 'true' },
        },
        {
          type: 'probe',
          name: 'py',
          provider: {
            type: 'python',
            module: 'os.path',
            func: 'exists',
            arguments: { path: '/' },
            timeout: 30,
          },
        },
      ],
    });
  const expected = [
    "'background' on steady-state-hypothesis.probes[0] ('p') is ignored (chaos run ignores it too): hypothesis probes run one after the other",
    `'expected_status' in method[0] ('web').provider is ignored (chaos run ignores it too, since chaoslib 0.9.1): check the status with a tolerance in the hypothesis, e.g. {"type": "range", "range": [200, 299], "target": "status"}`,
    "'timeout' on method[0] ('web') itself is ignored (chaos run ignores it too): put it in the provider, as provider.timeout (process, http, javascript)",
    "'dry' on method[0] ('web') is ignored (chaos run reads it only when Python code sets it; from a file it even cancels --dry for this activity, which faultline keeps dry): use --dry=actions|probes|activities|pause for the whole run",
    "'tolerance' on method[0] ('web') is not checked (chaos run checks tolerances only in the steady-state hypothesis and in safeguard probes): move the probe to the hypothesis, or use --fail-fast with a continuous hypothesis",
    "'configuration' on method[1] ('own') is ignored (the spec shows it; chaos run does not read it): declare these keys in the experiment's top-level configuration",
    "'secrets' on method[1] ('own') is ignored (the spec shows it; chaos run does not read it): list the scopes in provider.secrets of a Python or JavaScript activity; ${name} substitution sees every scope anyway",
    "'timeout' in method[2] ('py').provider is ignored (chaos run ignores it too: a Python activity has no timeout, the function is waited for): bound the wait inside the function, or the run with --max-duration",
  ];

  test('each is named in a warning with what to write instead', async () => {
    const warnings: string[] = [];
    await validateExperiment(value(), fixtures, { warn: (message) => warnings.push(message) });
    assert.deepEqual(warnings, expected);
  });

  test('--strict refuses them, as it refuses unknown keys', async () => {
    await assert.rejects(validateExperiment(value(), fixtures, { strict: true, warn: () => undefined }), {
      name: 'InvalidExperiment',
      message: `--strict: ${expected.join('; ')} (fix or remove these keys, or run without --strict to only warn)`,
    });
  });
});
