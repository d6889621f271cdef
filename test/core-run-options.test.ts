import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import type { ControlRecord } from '../src/experiment/controls/record.js';
import type { JsonObject } from '../src/model/experiment.js';
import { createSecretMask } from '../src/experiment/secret-mask.js';
import { experiment, js } from './experiment-helpers.js';
import { runLogged } from './run-helpers.js';

// What the caller hands startExperiment reaches the run: its secret mask, --var values, the
// dry mode, the settings' global controls, the loader hooks' records, and the journal's times.

const shows = (secrets: string[] = []) => ({
  ...js('action', 'show', 'context'),
  provider: { ...js('action', 'show', 'context').provider, secrets },
});
type Shown = { configuration: Record<string, unknown>; secrets: Record<string, unknown> };

describe('secrets are hidden wherever the run writes them', () => {
  test("the caller's mask learns the experiment's secrets", async () => {
    const mask = createSecretMask();
    await runLogged(experiment({ secrets: { vault: { token: 'declared-s3cret' } } }), { mask });
    assert.equal(mask.text('token declared-s3cret'), 'token ***');
  });

  test('a declared secret that --var replaced is still hidden in the experiment the journal keeps', async () => {
    const { journal } = await runLogged(experiment({ secrets: { vault: { token: 'declared-s3cret' } } }), {
      vars: { configuration: {}, secrets: { vault: { token: 'var-s3cret' } } },
    });
    assert.deepEqual(journal.experiment.secrets, { vault: { token: '***' } });
  });

  test('a --var secret of a scope the experiment does not declare is hidden too', async () => {
    const { journal } = await runLogged(
      experiment({ method: [js('action', 'echo', 'value', { value: 'var-only-s3cret' })] }),
      { vars: { configuration: {}, secrets: { other: { password: 'var-only-s3cret' } } } },
    );
    assert.equal(journal.run[0]!.output, '***');
  });

  test("a secret a control's configure_control adds is hidden in the journal", async () => {
    const { journal } = await runLogged(
      experiment({
        method: [shows(['control'])],
        controls: [
          {
            name: 'greeter',
            provider: { type: 'javascript', module: './controls.mjs', arguments: { greeting: 'hello' } },
          },
        ],
      }),
    );
    assert.deepEqual((journal.run[0]!.output as Shown).secrets, { token: '***' });
  });
});

describe('a Vault secret that cannot be resolved', () => {
  const vault = http.createServer((_request, response) => {
    response.statusCode = 404;
    response.end('{"errors":[]}');
  });
  const listening = once(vault.listen(0, '127.0.0.1'), 'listening');
  after(() => vault.close());

  test('is named in a warning of the run', async () => {
    await listening;
    const { log } = await runLogged(
      experiment({
        configuration: {
          vault_addr: `http://127.0.0.1:${(vault.address() as AddressInfo).port}`,
          vault_token: 'vault-t0ken',
        },
        secrets: { app: { password: { type: 'vault', path: 'secret/app' } } },
      }),
    );
    assert.ok(
      log.lines.includes(
        "warning: No Vault secret found at path: secret/app (for 'password'); it stays unresolved",
      ),
      log.lines.join('\n'),
    );
  });
});

describe('what the caller chose', () => {
  test('--var configuration replaces the declared value', async () => {
    const { journal } = await runLogged(
      experiment({ title: 'in ${zone}', configuration: { zone: 'declared' } }),
      { vars: { configuration: { zone: 'from-var' }, secrets: {} } },
    );
    assert.equal(journal.experiment.title, 'in from-var');
  });

  test('--dry activities: recorded in the journal, nothing executed', async () => {
    const { journal } = await runLogged(
      experiment({ method: [js('action', 'echo', 'value', { value: 5 })] }),
      {
        dry: 'activities',
      },
    );
    assert.deepEqual(
      [journal.experiment.dry, journal.run[0]!.status, journal.run[0]!.output],
      ['activities', 'succeeded', null],
    );
  });

  test('a global control gets the settings, or null without them', async () => {
    const global = { name: 'global', provider: { type: 'javascript', module: './mutate-control.mjs' } };
    const seen = async (settings?: JsonObject) => {
      const { journal } = await runLogged(experiment({ method: [shows()] }), {
        globalControls: [global],
        ...(settings === undefined ? {} : { settings }),
      });
      return (journal.run[0]!.output as Shown).configuration.settings_seen;
    };
    assert.deepEqual([await seen(), await seen({ runtime: {} })], ['none', 'given']);
  });

  test("the loader hooks' records open the journal's controls", async () => {
    const loaded: ControlRecord = {
      control: 'loader',
      provider: 'javascript',
      level: 'loader',
      hook: 'after_loading_experiment_control',
      target: 'experiment.json',
      start: '2026-12-02T10:00:00.000000+00:00',
      end: '2026-12-02T10:00:00.001000+00:00',
      duration: 0.001,
      status: 'succeeded',
    } as ControlRecord;
    const { journal } = await runLogged(
      experiment({
        controls: [{ name: 'tracer', provider: { type: 'javascript', module: './controls.mjs' } }],
      }),
      { loaderControls: [loaded] },
    );
    assert.deepEqual(journal.controls![0], loaded);
    assert.equal(journal.controls![1]!.hook, 'configure_control');
  });
});

describe('configuration values that are probes', () => {
  test('each value is in scope at once: for the next probe and for the title', async () => {
    const { journal } = await runLogged(
      experiment({
        title: 'drill ${doubled}',
        configuration: {
          answer: {
            type: 'probe',
            name: 'ask',
            provider: js('probe', 'ask', 'value', { value: 21 }).provider,
          },
          doubled: {
            type: 'probe',
            name: 'again',
            provider: js('probe', 'again', 'value', { value: '${answer}${answer}' }).provider,
          },
        },
      }),
    );
    assert.equal(journal.experiment.title, 'drill 2121');
  });
});

describe('--max-duration', () => {
  test('a run that ends inside the limit is not told of it later', async () => {
    let told = 0;
    const started = Date.now();
    const { journal } = await runLogged(experiment({ method: [js('action', 'a', 'value')] }), {
      maxDuration: 2,
      onTimeLimit: () => {
        told += 1;
      },
    });
    assert.equal(journal.status, 'completed');
    // A timer due after the limit runs after any timer the run left for it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 2200 - Date.now())));
    assert.equal(told, 0);
  });
});

describe('the journal records when the run ended', () => {
  test('end is a timestamp after start, and duration the seconds between them', async () => {
    const { journal } = await runLogged(experiment({ method: [js('action', 'a', 'wait', { ms: 150 })] }));
    assert.match(String(journal.end), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const elapsed = (Date.parse(String(journal.end)) - Date.parse(journal.start)) / 1000;
    assert.ok(elapsed >= 0.15, `${elapsed} s between start and end`);
    assert.ok(
      Math.abs(journal.duration - elapsed) < 0.002,
      `duration ${journal.duration}, elapsed ${elapsed}`,
    );
  });
});
