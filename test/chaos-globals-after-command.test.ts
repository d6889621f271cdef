import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

// chaos's global options (--verbose, --log-file, ...) go before the command, as chaos takes them.
// Given after it, commander called them unknown, and for --log-file suggested --var-file.

test("chaos's global options after the command say where they go, not that they are unknown", async () => {
  const cases: Array<[string[], string]> = [
    [['list', '--change-dir', '/tmp'], '--change-dir'],
    [['export', '--log-file=x.log'], '--log-file'],
  ];
  for (const [args, flag] of cases) {
    const { code, stderr } = await runCli(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.equal(
      stderr,
      `faultline: ${flag} is one of chaos's global options: give it before the command, as chaos takes it ` +
        `(faultline ${flag}${['--verbose', '--no-version-check'].includes(flag) ? '' : ' VALUE'} ${args[0]} …)\n`,
      args.join(' '),
    );
  }
});

test("after run or validate, click's No such option comes first, then where the option goes", async () => {
  const frame = (command: string) =>
    `Usage: faultline ${command} [OPTIONS] SOURCE\nTry 'faultline ${command} --help' for help.\n\n`;
  const cases: Array<[string[], string]> = [
    [
      ['run', 'experiment.json', '--log-file', 'chaos.log'],
      "No such option '--log-file'. (Did you mean one of: '--control-file', '--var-file'?)\n" +
        "--log-file is one of chaos's global options: give it before the command, as chaos takes it (faultline --log-file VALUE run …)",
    ],
    [
      ['run', 'experiment.json', '--log-file=chaos.log'],
      "No such option '--log-file'. (Did you mean one of: '--control-file', '--var-file'?)\n" +
        "--log-file is one of chaos's global options: give it before the command, as chaos takes it (faultline --log-file VALUE run …)",
    ],
    [
      ['validate', '--verbose', 'experiment.json'],
      "No such option '--verbose'.\n" +
        "--verbose is one of chaos's global options: give it before the command, as chaos takes it (faultline --verbose validate …)",
    ],
    [
      ['run', '--no-version-check', 'experiment.json'],
      "No such option '--no-version-check'. Did you mean '--no-verify-tls'?\n" +
        "--no-version-check is one of chaos's global options: give it before the command, as chaos takes it (faultline --no-version-check run …)",
    ],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await runCli(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.equal(stderr, `${frame(args[0]!)}Error: ${message}\n`, args.join(' '));
  }
});

test('the program help lists the global options of chaos it takes', async () => {
  const { code, stdout } = await runCli(['--help']);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /\nchaos's global options, before the command \(faultline --verbose run experiment\.json\):\n {2}--verbose, --no-version-check, --change-dir DIR, --log-file PATH, --no-log-file,\n {2}--log-file-level LEVEL, --log-format string\|json, --settings PATH\n/,
  );
});

test('after a command that runs another, the same words are that command’s', async () => {
  // `net exec LAB HOST CMD...` passes what follows HOST to CMD: the lab is checked first.
  const { code, stderr } = await runCli(['net', 'exec', 'nolab', 'a', 'echo', '--verbose']);
  assert.equal(code, 2, stderr);
  assert.doesNotMatch(stderr, /chaos's global options/);
});
