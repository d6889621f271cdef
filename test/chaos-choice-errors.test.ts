import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

// chaos run's click Choices refuse another value with this line (exit 2); a script grepping it
// finds the same one in faultline's, with faultline's "did you mean" after it.
const CHOICES: Record<string, string> = {
  '--dry': "'probes', 'actions', 'activities', 'pause'",
  '--rollback-strategy': "'default', 'always', 'never', 'deviated'",
  '--hypothesis-strategy':
    "'default', 'before-method-only', 'after-method-only', 'during-method-only', 'continuously', 'continously'",
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const [flag, choices] of Object.entries(CHOICES)) {
  test(`run ${flag} with a value not among its choices is refused in chaos's words`, async () => {
    const refused = await runCli(['run', 'x.json', flag, 'zzzzz']);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      new RegExp(`Invalid value for '${escape(flag)}': 'zzzzz' is not one of ${escape(choices)}\\.\\n`),
    );
    assert.doesNotMatch(refused.stderr, /Allowed choices|did you mean/i);
  });
}

test("a near miss keeps chaos's line whole and says which value was meant after it", async () => {
  const [dry, rollback, hypothesis, quoted] = await Promise.all([
    runCli(['run', 'x.json', '--dry=probs']),
    runCli(['run', 'x.json', '--rollback-strategy', 'alway']),
    runCli(['run', 'x.json', '--hypothesis-strategy', 'continuosly']),
    runCli(['run', 'x.json', '--rollback-strategy', "it's"]),
  ]);
  for (const result of [dry, rollback, hypothesis, quoted]) assert.equal(result.code, 2, result.stderr);
  assert.match(dry.stderr, /'probs' is not one of 'probes', .*'pause'\. Did you mean "probes"\?\n/);
  assert.match(rollback.stderr, /'alway' is not one of .*'deviated'\. Did you mean "always"\?\n/);
  assert.match(
    hypothesis.stderr,
    /'continuosly' is not one of .*'continously'\. Did you mean "continuously"\?\n/,
  );
  // Python's repr: a value holding ' is written between double quotes.
  assert.match(quoted.stderr, /Invalid value for '--rollback-strategy': "it's" is not one of /);
});

test('the global --log-format, refused in the same words, also says which value was meant', async () => {
  const refused = await runCli(['--log-format', 'jsn', 'run', 'x.json']);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /Invalid value for '--log-format': 'jsn' is not one of 'string', 'json'\. Did you mean "json"\?\n/,
  );
});
