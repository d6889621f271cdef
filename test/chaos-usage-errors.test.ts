import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

// chaos 1.19 is a click 8.1 program: a usage error prints the command's usage line, a hint and a
// blank line, then `Error: …`, on stderr, exit 2. The expected texts are chaos's with "chaos"
// read as "faultline" (click names the program it runs as).

const RUN = "Usage: faultline run [OPTIONS] SOURCE\nTry 'faultline run --help' for help.\n\n";
const VALIDATE = "Usage: faultline validate [OPTIONS] SOURCE\nTry 'faultline validate --help' for help.\n\n";
const GROUP = "Usage: faultline [OPTIONS] COMMAND [ARGS]...\nTry 'faultline --help' for help.\n\n";

async function refused(args: string[], stderr: string): Promise<void> {
  const result = await runCli(args);
  assert.equal(result.stderr, stderr, args.join(' '));
  assert.equal(result.code, 2, args.join(' '));
  assert.equal(result.stdout, '', args.join(' '));
}

test("a missing SOURCE: click's Missing argument, under the command's usage", async () => {
  await refused(['run'], `${RUN}Error: Missing argument 'SOURCE'.\n`);
  await refused(['validate'], `${VALIDATE}Error: Missing argument 'SOURCE'.\n`);
  await refused(['run', '--dry', 'probes'], `${RUN}Error: Missing argument 'SOURCE'.\n`);
});

test("an unknown option: click's No such option, with difflib's close matches", async () => {
  await refused(
    ['run', '--journal', 'j.json', 'e.json'],
    `${RUN}Error: No such option '--journal'. Did you mean '--journal-path'?\n`,
  );
  await refused(
    ['run', '--hypothesis', 'e.json'],
    `${RUN}Error: No such option '--hypothesis'. (Did you mean one of: '--hypothesis-frequency', '--hypothesis-strategy'?)\n`,
  );
  await refused(['run', '--zzzzzz=1', 'e.json'], `${RUN}Error: No such option '--zzzzzz'.\n`);
  await refused(['run', '-x', 'e.json'], `${RUN}Error: No such option '-x'.\n`);
  await refused(['run', '-xyz', 'e.json'], `${RUN}Error: No such option '-x'.\n`);
  await refused(
    ['validate', '--verify', 'e.json'],
    `${VALIDATE}Error: No such option '--verify'. Did you mean '--no-verify-tls'?\n`,
  );
  // click raises these two without their context: no usage above them.
  await refused(['run', '--fail-fast=1', 'e.json'], "Error: Option '--fail-fast' does not take a value.\n");
});

test('an option without its value: click says so with no usage above it', async () => {
  await refused(['run', 'e.json', '--var'], "Error: Option '--var' requires an argument.\n");
  await refused(['run', 'e.json', '--dry'], "Error: Option '--dry' requires an argument.\n");
  await refused(
    ['run', 'e.json', '--journal-path'],
    "Error: Option '--journal-path' requires an argument.\n",
  );
});

test('a value the option refuses: Invalid value for, under the usage', async () => {
  await refused(
    ['run', '--rollback-strategy', 'x', 'e.json'],
    `${RUN}Error: Invalid value for '--rollback-strategy': 'x' is not one of 'default', 'always', 'never', 'deviated'.\n`,
  );
  await refused(
    ['run', '--hypothesis-frequency', 'x', 'e.json'],
    `${RUN}Error: Invalid value for '--hypothesis-frequency': 'x' is not a valid float.\n`,
  );
  await refused(
    ['run', '--var-file', 'nope-faultline.json', 'e.json'],
    `${RUN}Error: Invalid value for '--var-file': Path 'nope-faultline.json' does not exist.\n`,
  );
  await refused(
    ['run', 'e.json', '--var', 'x:list=1'],
    `${RUN}Error: Invalid value for '--var': variable type can only be: bool, str, int, float, bytes or json\n`,
  );
});

test('arguments beyond SOURCE: Got unexpected extra argument(s)', async () => {
  await refused(['run', 'a.json', 'b.json'], `${RUN}Error: Got unexpected extra argument (b.json)\n`);
  await refused(
    ['validate', 'a.json', 'b.json', 'c'],
    `${VALIDATE}Error: Got unexpected extra arguments (b.json c)\n`,
  );
});

test("chaos's global options: the group's usage, or none for a missing value", async () => {
  await refused(
    ['--log-format', 'x', 'run', 'e.json'],
    `${GROUP}Error: Invalid value for '--log-format': 'x' is not one of 'string', 'json'.\n`,
  );
  await refused(
    ['--log-file-level', 'x', 'run', 'e.json'],
    `${GROUP}Error: Invalid value for '--log-file-level': 'x' is not one of 'debug', 'info', 'warning', 'error'.\n`,
  );
  await refused(['--log-file'], "Error: Option '--log-file' requires an argument.\n");
  await refused(['--settings'], "Error: Option '--settings' requires an argument.\n");
});

test("an unknown option before run or validate: click's No such option among chaos's global options", async () => {
  await refused(
    ['--verbos', 'run', 'e.json'],
    `${GROUP}Error: No such option '--verbos'. (Did you mean one of: '--verbose', '--version'?)\n`,
  );
  await refused(
    ['--setting=s.yaml', 'validate', 'e.json'],
    `${GROUP}Error: No such option '--setting'. Did you mean '--settings'?\n`,
  );
  await refused(['--nosuch', 'run', 'e.json'], `${GROUP}Error: No such option '--nosuch'.\n`);
  await refused(['-x', 'run', 'e.json'], `${GROUP}Error: No such option '-x'.\n`);
  // What follows the unknown option may be its value: click stops at the option all the same.
  await refused(
    ['--log-formt', 'json', 'run', 'e.json'],
    `${GROUP}Error: No such option '--log-formt'. (Did you mean one of: '--log-file', '--log-format'?)\n`,
  );
});

test('of several mistakes, the one click names first: the line read whole, then each value in the order given', async () => {
  const dry = `${RUN}Error: Invalid value for '--dry': 'x' is not one of 'probes', 'actions', 'activities', 'pause'.\n`;
  await refused(
    ['run', '--rollback-strategy', 'x', '--nosuch', 'e.json'],
    `${RUN}Error: No such option '--nosuch'.\n`,
  );
  await refused(['run', '--dry', 'x', 'e.json', '--var'], "Error: Option '--var' requires an argument.\n");
  await refused(
    ['run', '--var-file', 'nope-faultline.json', '--dry', 'x', 'e.json'],
    `${RUN}Error: Invalid value for '--var-file': Path 'nope-faultline.json' does not exist.\n`,
  );
  await refused(
    ['run', '--var', 'a', '--var-file', 'nope-faultline.json', 'e.json'],
    `${RUN}Error: Invalid value for '--var': not enough values to unpack (expected 2, got 1): "a" should be name[:type]=value\n`,
  );
  await refused(['run', '--dry', 'x'], dry);
  await refused(['run', 'a.json', 'b.json', '--dry', 'x'], dry);
  await refused(
    ['run', "it's.json", '--var-file', "it's.yaml"],
    `${RUN}Error: Invalid value for '--var-file': Path "it's.yaml" does not exist.\n`,
  );
});
