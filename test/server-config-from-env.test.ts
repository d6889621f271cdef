import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

// A FAULTLINE_CONFIG left set in the shell made `faultline server` fail on a file the command line
// never named, with nothing saying where the name came from.

const missing = '/nonexistent/faultline-proxies.yaml';
const cannotRead = `cannot read config file ${missing}: it does not exist; give the path of a YAML or JSON file of proxies`;

test('a config file named by FAULTLINE_CONFIG that cannot be applied says the variable named it', async () => {
  const { code, stderr } = await runCli(['server', '--port', '0'], { FAULTLINE_CONFIG: missing });
  assert.equal(code, 2, stderr);
  assert.equal(
    stderr,
    `faultline: ${cannotRead} (FAULTLINE_CONFIG names it; unset FAULTLINE_CONFIG to start without a config file)\n`,
  );
});

test('the same file given with --config is refused without that note', async () => {
  const { code, stderr } = await runCli(['server', '--port', '0', '--config', missing], {
    FAULTLINE_CONFIG: '',
  });
  assert.equal(code, 2, stderr);
  assert.equal(stderr, `faultline: ${cannotRead}\n`);
});
