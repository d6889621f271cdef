import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { commandTable } from '../src/cli/command-table.js';
import { describe as watchLine } from '../src/cli/watch-command.js';
import {
  canConnect,
  connect,
  readBytes,
  runCli,
  spawnCli,
  startEchoServer,
  startHarness,
  tempDirectory,
  waitFor,
} from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const harness = await startHarness();
const echo = await startEchoServer();

/** Runs the CLI against the test server, with nothing else from the environment. */
const run = (args: string[], env: Record<string, string> = { FAULTLINE_URL: harness.url }) =>
  runCli(args, env, false);

const portOf = async (name: string) =>
  Number((await harness.api('GET', `/proxies/${name}`)).json.listen.split(':').pop());

describe("toxiproxy-cli's commands, names and output", () => {
  test('create, with the alias c and flags after the name', async () => {
    const created = await run(['create', 'cli_a', '-l', '127.0.0.1:0', '-u', echo.address]);
    assert.deepEqual(created, { code: 0, stdout: 'Created new proxy cli_a\n', stderr: '' });
    const aliased = await run(['c', '-l', '127.0.0.1:0', '-u', echo.address, 'cli_b']);
    assert.equal(aliased.code, 0);
    assert.equal((await harness.api('GET', '/proxies/cli_b')).json.upstream, echo.address);
  });

  test('list prints tab-separated lines when piped, and --json and --names for scripts', async () => {
    const listed = await run(['ls']);
    const line = listed.stdout.split('\n').find((text) => text.startsWith('cli_a\t'))!;
    assert.match(line, new RegExp(`^cli_a\\t127\\.0\\.0\\.1:\\d+\\t${echo.address}\\tenabled\\t0$`));
    const json = JSON.parse((await run(['list', '--json'])).stdout);
    assert.equal(json.cli_a.name, 'cli_a');
    assert.deepEqual((await run(['list', '--names'])).stdout.split('\n').filter(Boolean).slice(0, 2), [
      'cli_a',
      'cli_b',
    ]);
  });

  test('toxic add with -a, -tox and -u acts on real traffic', async () => {
    const added = await run([
      'toxic',
      'add',
      'cli_a',
      '-t',
      'latency',
      '-a',
      'latency=60',
      '-a',
      'jitter=0',
      '-tox',
      '1',
      '-u',
    ]);
    assert.equal(added.stdout, "Added upstream latency toxic 'latency_upstream' on proxy 'cli_a'\n");
    const toxic = (await harness.api('GET', '/proxies/cli_a/toxics/latency_upstream')).json;
    assert.deepEqual(toxic.attributes, { latency: 60, jitter: 0 });
    const socket = await connect(await portOf('cli_a'));
    const started = performance.now();
    socket.write('ping');
    await readBytes(socket, 4);
    assert.ok(performance.now() - started >= 60);
    socket.destroy();
  });

  test('inspect prints one line per toxic when piped, and --json', async () => {
    const inspected = await run(['i', 'cli_a']);
    assert.equal(
      inspected.stdout,
      'latency_upstream\ttype=latency\tstream=upstream\ttoxicity=1.00\tattributes=[\tjitter=0\tlatency=60\t]\n',
    );
    assert.equal(JSON.parse((await run(['inspect', '--json', 'cli_a'])).stdout).toxics.length, 1);
  });

  test('toxic update merges attributes and keeps toxicity when --toxicity is left out', async () => {
    await run(['toxic', 'update', 'cli_a', '-n', 'latency_upstream', '-x', '0.5']);
    const updated = await run(['t', 'u', 'cli_a', '-n', 'latency_upstream', '-a', 'latency=5']);
    assert.equal(updated.stdout, "Updated toxic 'latency_upstream' on proxy 'cli_a'\n");
    const toxic = (await harness.api('GET', '/proxies/cli_a/toxics/latency_upstream')).json;
    assert.equal(toxic.attributes.latency, 5);
    assert.equal(toxic.toxicity, 0.5, 'toxiproxy-cli would have reset it to 1');
  });

  test('toxic remove, toggle and delete', async () => {
    assert.equal(
      (await run(['toxic', 'remove', 'cli_a', '-n', 'latency_upstream'])).stdout,
      "Removed toxic 'latency_upstream' on proxy 'cli_a'\n",
    );
    assert.deepEqual((await harness.api('GET', '/proxies/cli_a/toxics')).json, []);
    const port = await portOf('cli_a');
    assert.equal((await run(['toggle', 'cli_a'])).stdout, 'Proxy cli_a is now disabled\n');
    assert.equal(await canConnect(port), false);
    assert.equal((await run(['tg', 'cli_a'])).stdout, 'Proxy cli_a is now enabled\n');
    assert.equal(await canConnect(port), true);
    assert.equal((await run(['delete', 'cli_b'])).stdout, 'Deleted proxy cli_b\n');
    assert.equal((await harness.api('GET', '/proxies/cli_b')).status, 404);
  });

  test('--host, -h and TOXIPROXY_URL choose the server', async () => {
    assert.equal((await run(['--host', harness.url, 'ls', '--names'], {})).code, 0);
    assert.equal((await run(['-h', harness.url.replace('http://', ''), 'ls', '--names'], {})).code, 0);
    assert.equal((await run(['ls', '--names', '-h', harness.url], {})).code, 0, 'after the command too');
    assert.equal((await run(['-host', harness.url, 'ls', '--names'], {})).code, 0, "Go's -host");
    assert.equal((await run(['-h', harness.url, 'ls', '-h', harness.url], {})).code, 0, 'twice, the same');
    assert.equal((await run(['ls', '--names'], { TOXIPROXY_URL: harness.url })).code, 0);
  });

  test('--help of every command, groups and each subcommand, ends with an example', async () => {
    const root = new Command('faultline').enablePositionalOptions(); // as program.ts builds it
    for (const entry of commandTable) root.addCommand(await entry.load(() => root));
    const below = (command: Command): Command[] =>
      command.commands.flatMap((child) => [child, ...below(child)]);
    const missing: string[] = [];
    const raw: string[] = [];
    let checked = 0;
    for (const leaf of below(root)) {
      let help = '';
      leaf.configureOutput({ writeOut: (text) => (help += text) });
      leaf.outputHelp();
      checked += 1;
      if (!/\nExamples?:\n {2}faultline /.test(help)) missing.push(`${leaf.parent?.name()} ${leaf.name()}`);
      if (/\(default:\s+[[{]/.test(help)) raw.push(`${leaf.parent?.name()} ${leaf.name()}`);
    }
    assert.deepEqual(missing, []);
    assert.deepEqual(raw, [], 'a default is said in words, never printed as a JavaScript object or array');
    assert.ok(checked >= 50, `only ${checked} commands found`);
  });
});

describe('errors go to stderr with a status and what to do', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    [
      'missing listen',
      ['create', 'x', '-u', '127.0.0.1:1'],
      2,
      /Required argument 'listen' was empty\. Pass -l HOST:PORT\./,
    ],
    [
      'both streams',
      ['toxic', 'add', 'cli_a', '-t', 'noop', '-u', '-d'],
      2,
      /Only one should be specified: upstream or downstream\./,
    ],
    [
      'toxicity out of range',
      ['toxic', 'add', 'cli_a', '-t', 'noop', '-x', '2'],
      2,
      /toxicity should be a float between 0 and 1, received "2"/,
    ],
    [
      'attributes joined by a comma, the form toxiproxy-cli dropped in 2.1.0',
      ['toxic', 'add', 'cli_a', '-t', 'latency', '-a', 'latency=100,jitter=50'],
      2,
      /attribute "latency=100,jitter=50" holds 2 attributes; give each its own -a: -a latency=100 -a jitter=50 \(toxiproxy-cli dropped the comma form in 2\.1\.0\)/,
    ],
    [
      'attribute without =',
      ['toxic', 'add', 'cli_a', '-t', 'latency', '-a', 'latency'],
      2,
      /is not key=value/,
    ],
    ['unknown proxy', ['inspect', 'nope'], 1, /get proxy nope: HTTP 404: proxy not found/],
    [
      'unknown toxic type',
      ['toxic', 'add', 'cli_a', '-t', 'latncy'],
      1,
      /invalid toxic type\nreceived "latncy"/,
    ],
    ['unknown command', ['explode'], 2, /^faultline: unknown command 'explode'\n/],
    [
      'a --host that is not a URL',
      ['list', '--host', 'not a url'],
      2,
      /^faultline: --host "not a url" is not a URL; give the control API as http:\/\/HOST:PORT/,
    ],
    [
      'a --host of another scheme than http, not reported as a server that cannot be reached',
      ['list', '--host', 'ftp://127.0.0.1:8474'],
      2,
      /^faultline: --host "ftp:\/\/127\.0\.0\.1:8474" is a ftp URL; the control API is served over http \(or https\): give it as http:\/\/HOST:PORT \(or HOST:PORT\)\n$/,
    ],
    [
      "commander's own errors carry the faultline: prefix",
      ['list', '--bogus'],
      2,
      /^faultline: unknown option '--bogus'\n\(run "faultline list --help" for usage\)\n$/,
    ],
    ['a missing argument', ['inspect'], 2, /^faultline: missing required argument 'proxy'\n/],
    [
      'an option given twice with different values',
      ['toxic', 'add', 'cli_a', '-t', 'latency', '-t', 'timeout'],
      2,
      /^faultline: --type is given twice with different values \("latency" and "timeout"\); give it once\n$/,
    ],
    [
      'the server URL given twice with different values',
      ['-h', 'http://127.0.0.1:1', 'list', '-h', 'http://127.0.0.1:2'],
      2,
      /^faultline: --host is given twice with different URLs \("http:\/\/127\.0\.0\.1:1" before the command, "http:\/\/127\.0\.0\.1:2" after it\); give it once\n$/,
    ],
    [
      'the server URL given to a command that does not use it',
      ['--host', 'http://127.0.0.1:1', 'report', 'journal.json'],
      2,
      /^faultline: --host \(the control API URL of client commands\) does not apply to "report"; remove it\n$/,
    ],
    [
      'the server URL given to a subcommand names the whole command',
      ['--host', 'http://127.0.0.1:1', 'stress', 'cpu', '-t', '1'],
      2,
      /^faultline: --host \(the control API URL of client commands\) does not apply to "stress cpu"; remove it\n$/,
    ],
    [
      'watch --since that is not a number',
      ['watch', '--since', 'yesterday', '-h', 'http://127.0.0.1:1'],
      2,
      /^faultline: option '--since <id>' argument 'yesterday' is invalid\. --since must be a whole number/,
    ],
    [
      'watch --types that no event type passes (it would print nothing forever)',
      ['watch', '--types', 'toxic.fired,bogus.type,tox', '-h', 'http://127.0.0.1:1'],
      2,
      /^faultline: --types "toxic\.fired,bogus\.type,tox" names no event type: no event type is or starts with "bogus\.type", "tox"; event types: proxy\.created, .*, http\.upstream_failed, stream\.opened, stream\.closed, protocol\.mismatch, halt \(or a prefix such as proxy, toxic, connection, http\)\n$/,
    ],
    [
      'watch --proxy that no proxy can be named (an unset shell variable): watching every proxy instead would say nothing',
      ['watch', '--proxy', '', '-h', 'http://127.0.0.1:1'],
      2,
      /^faultline: --proxy "" can name no proxy: a proxy name is one or more of letters, digits, "_", "\.", ":" and "-"; leave --proxy out to watch every proxy\n$/,
    ],
    [
      'list with two outputs that contradict each other',
      ['list', '--json', '--names'],
      2,
      /^faultline: option '--json' cannot be used with option '--names'\n/,
    ],
    [
      'list --names with --wide, which only the table has',
      ['list', '--names', '--wide'],
      2,
      /^faultline: option '--names' cannot be used with option '--wide'\n/,
    ],
    [
      'ca with two outputs that contradict each other',
      ['ca', '--json', '--pem'],
      2,
      /^faultline: option '--json' cannot be used with option '--pem'\n/,
    ],
    [
      'supervise with a pidfile in a directory that is not there, found before anything starts',
      ['supervise', '--pidfile', '/nonexistent-faultline/dir/api.pid', '--', 'true'],
      2,
      /^faultline: cannot keep the pidfile \/nonexistent-faultline\/dir\/api\.pid: \/nonexistent-faultline\/dir is not a directory here; create it or choose another path \(nothing was started\)\n$/,
    ],
    [
      'toxic add with one attribute given twice with different values',
      [
        'toxic',
        'add',
        'echo',
        '-t',
        'latency',
        '-a',
        'latency=10',
        '-a',
        'latency=20',
        '-h',
        'http://127.0.0.1:1',
      ],
      2,
      /^faultline: attribute latency is given twice with different values \(10 and 20\); give it once\n$/,
    ],
  ];
  for (const [label, args, code, message] of cases) {
    test(label, async () => {
      const result = await run(args);
      assert.equal(result.code, code, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message);
    });
  }

  test('demo --port out of range is a usage error, as server --port is', async () => {
    const result = await run(['demo', '--port', '70000']);
    assert.deepEqual(result, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: option \'--port <port>\' argument \'70000\' is invalid. --port must be a whole number from 0 to 65535, received "70000".\n(run "faultline demo --help" for usage)\n',
    });
  });

  test('etcd status with no member answering exits 1 and says what to check', async () => {
    const result = await run(['etcd', 'status', '--endpoints', 'http://127.0.0.1:9']);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(JSON.parse(result.stdout).members[0].ok, false, 'what it saw is still printed');
    assert.equal(
      result.stderr,
      'faultline: no etcd member answered at http://127.0.0.1:9; check the endpoints (client URLs such as http://127.0.0.1:2379) and that etcd runs there\n',
    );
  });

  test('an unreachable server', async () => {
    const result = await run(['ls'], { FAULTLINE_URL: 'http://127.0.0.1:9' });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /cannot reach the faultline server at http:\/\/127\.0\.0\.1:9 .*start one with "faultline server"/,
    );
  });
});

describe('a command group without its command', () => {
  const groups: Array<[string, string]> = [
    ['toxic', 'add, update, remove'],
    ['process', 'kill, pause, resume'],
    ['syscall', 'inject, attach'],
    ['stress', 'cpu, memory, disk, io'],
    ['cgroup', 'create, limit, stats, remove, oom'],
    ['net', 'create, show, partition, isolate, limit, delay, heal, exec, destroy'],
    ['etcd', 'status, writer'],
  ];
  for (const [group, commands] of groups) {
    test(`"faultline ${group}" did nothing: its help on stderr, exit 2, and what is missing`, async () => {
      const result = await run([group]);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`^Usage: faultline ${group}\\b`));
      assert.ok(
        result.stderr.endsWith(`\nfaultline: "faultline ${group}" needs a command: ${commands}\n`),
        result.stderr,
      );
    });
  }

  test('"faultline" alone is a usage error too; --help and help still exit 0 on stdout', async () => {
    const bare = await run([]);
    assert.equal(bare.code, 2);
    assert.equal(bare.stdout, '');
    assert.match(bare.stderr, /^Usage: faultline \[options\] \[command\]\n/);
    assert.match(bare.stderr, /\nfaultline: no command given; run one of the commands listed above\n$/);
    for (const args of [['--help'], ['help'], ['toxic', '--help'], ['help', 'toxic'], ['toxic', 'help']]) {
      const asked = await run(args);
      assert.equal(asked.code, 0, args.join(' '));
      assert.equal(asked.stderr, '', args.join(' '));
      assert.match(asked.stdout, /^Usage: faultline/, args.join(' '));
      assert.doesNotMatch(asked.stdout, /needs a command|no command given/, args.join(' '));
    }
  });
});

describe('create: udp and its flags', () => {
  test('TLS flags on a udp proxy are named, and --idle-timeout states the range the server takes', async () => {
    const insecure = await run([
      'create',
      'u1',
      '-l',
      '127.0.0.1:0',
      '-u',
      '127.0.0.1:53',
      '--protocol',
      'udp',
      '--upstream-insecure',
    ]);
    assert.deepEqual(insecure, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: --upstream-insecure needs a tcp, http or http2 proxy, and --protocol is udp; DTLS is not supported: remove it\n',
    });
    const both = await run([
      'create',
      'u1',
      '-l',
      '127.0.0.1:0',
      '-u',
      '127.0.0.1:53',
      '--protocol',
      'udp',
      '--tls-auto',
      '--upstream-tls',
    ]);
    assert.match(
      both.stderr,
      /^faultline: --tls-auto, --upstream-tls need a tcp, http or http2 proxy, and --protocol is udp; DTLS is not supported: remove them\n$/,
    );
    const fraction = await run([
      'create',
      'u1',
      '-l',
      '127.0.0.1:0',
      '-u',
      '127.0.0.1:53',
      '--protocol',
      'udp',
      '--idle-timeout',
      '1.5',
    ]);
    assert.equal(fraction.code, 2);
    assert.match(
      fraction.stderr,
      /--idle-timeout must be a whole number from 1 to 86400000, received "1\.5"/,
    );
    const idleOnTcp = await run([
      'create',
      'u1',
      '-l',
      '127.0.0.1:0',
      '-u',
      '127.0.0.1:53',
      '--idle-timeout',
      '500',
    ]);
    assert.deepEqual(idleOnTcp, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: --idle-timeout closes idle udp flows, and --protocol is tcp (the default): add --protocol udp, or remove --idle-timeout\n',
    });
    const headersOnUdp = await run([
      'create',
      'u1',
      '-l',
      '127.0.0.1:0',
      '-u',
      '127.0.0.1:53',
      '--protocol',
      'udp',
      '--header-faults',
    ]);
    assert.equal(
      headersOnUdp.stderr,
      'faultline: --header-faults reads requests, and --protocol is udp: use --protocol http or http2, or remove --header-faults\n',
    );
    assert.match((await run(['create', '--help'])).stdout, /http2 \(h2c, gRPC\), udp\s+\(datagrams\)/);
    assert.equal((await harness.api('GET', '/proxies/u1')).status, 404);
  });
});

describe('apply and export', () => {
  const file = join(tempDirectory('apply'), 'apply.yaml');
  const yaml = (latency: number, extra = '') => `proxies:
  - name: applied
    listen: 127.0.0.1:0
    upstream: ${echo.address}
    toxics:
      - { name: slow, type: latency, attributes: { latency: ${latency} } }
${extra}`;

  test('apply creates what is missing, atomically with toxics, and prints it', async () => {
    await writeFile(file, yaml(40));
    const applied = await run(['apply', file]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(
      applied.stdout,
      `+ proxy applied 127.0.0.1:0 -> ${echo.address}\n+ toxic applied/slow (latency, downstream)\n(2 changes made: 1 proxy created, 1 toxic added)\n`,
    );
    const socket = await connect(await portOf('applied'));
    const started = performance.now();
    socket.write('x');
    await readBytes(socket, 1);
    assert.ok(performance.now() - started >= 40, 'the toxic acts from the first connection');
    socket.destroy();
  });

  test('apply is idempotent', async () => {
    assert.equal((await run(['apply', file])).stdout, `no changes: the server matches ${file}\n`);
  });

  test('apply prints and makes each change; --dry-run makes none', async () => {
    await writeFile(file, yaml(80, '  - name: second\n    listen: 127.0.0.1:0\n    upstream: 127.0.0.1:1\n'));
    const dry = await run(['apply', '--dry-run', file]);
    assert.match(
      dry.stdout,
      /~ toxic applied\/slow: latency 40 -> 80\n\+ proxy second .*\n\(dry run: 2 changes not made\)/,
    );
    assert.equal((await harness.api('GET', '/proxies/applied/toxics/slow')).json.attributes.latency, 40);
    const real = await run(['apply', file]);
    assert.equal(real.code, 0);
    assert.equal(
      real.stdout,
      `~ toxic applied/slow: latency 40 -> 80\n+ proxy second 127.0.0.1:0 -> 127.0.0.1:1\n(2 changes made: 1 proxy created, 1 toxic updated)\n`,
    );
    assert.equal((await harness.api('GET', '/proxies/applied/toxics/slow')).json.attributes.latency, 80);
    assert.equal((await harness.api('GET', '/proxies/second')).status, 200);
  });

  test('--prune deletes proxies the file does not name', async () => {
    await writeFile(file, yaml(80));
    const pruned = await run(['apply', '--prune', file]);
    assert.match(pruned.stdout, /- proxy cli_a\n- proxy second\n\(2 changes made: 2 proxies removed\)\n$/);
    assert.deepEqual(Object.keys((await harness.api('GET', '/proxies')).json), ['applied']);
  });

  test('export then apply round-trips with no changes, in YAML and JSON', async () => {
    for (const format of ['yaml', 'json']) {
      const exported = await run(['export', '--format', format]);
      const path = join(tempDirectory('export'), `export.${format}`);
      await writeFile(path, exported.stdout);
      assert.equal((await run(['apply', path])).stdout, `no changes: the server matches ${path}\n`);
      await rm(path);
    }
  });

  test('a file is read by its content, not its extension: export > proxies.json then apply it', async () => {
    const path = join(tempDirectory('export'), 'yaml-in.json');
    const exported = await run(['export']);
    assert.match(exported.stdout, /^proxies:\n {2}- name: applied\n/, 'YAML by default');
    await writeFile(path, exported.stdout);
    const applied = await run(['apply', path]);
    assert.deepEqual(applied, { code: 0, stdout: `no changes: the server matches ${path}\n`, stderr: '' });
    await rm(path);
  });

  test("export --json is JSON, as every read command's --json", async () => {
    const exported = await run(['export', '--json']);
    assert.equal(exported.code, 0, exported.stderr);
    const document = JSON.parse(exported.stdout);
    assert.equal(document.proxies[0].name, 'applied');
    assert.deepEqual(document.proxies[0].toxics[0], {
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 80, jitter: 0 },
    });
    const contradicted = await run(['export', '--json', '--format', 'yaml']);
    assert.equal(contradicted.code, 2);
    assert.match(
      contradicted.stderr,
      /^faultline: --json and --format yaml contradict each other; give one\n$/,
    );
  });

  test('a syntax error is reported with its line and column', async () => {
    const path = join(tempDirectory('apply'), 'broken.json');
    await writeFile(path, '[\n  {"name": "x", "upstream": "127.0.0.1:1",}\n  {"name": "y"}\n]\n');
    const result = await run(['apply', path]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`^faultline: config file ${path}:3:3: not valid YAML or JSON: `));
    await rm(path);
  });

  test("a toxic's bad attribute is reported at the attribute's own line, not its proxy's", async () => {
    const path = join(tempDirectory('apply'), 'toxic.yaml');
    const file = (attributes: string) =>
      [
        'proxies:',
        '  - name: web',
        `    upstream: ${echo.address}`,
        '    toxics:',
        '      - name: fine',
        '        type: latency',
        '        attributes:',
        '          latency: 5',
        '      - name: wrong',
        '        type: latency',
        '        attributes:',
        '          latency: 5',
        attributes,
        '',
      ].join('\n');
    await writeFile(path, file('          stag: 3'));
    const unknownKey = await run(['apply', path]);
    assert.equal(unknownKey.code, 2);
    assert.match(
      unknownKey.stderr,
      new RegExp(`^faultline: config file ${path}:13:11: json: unknown field "stag"`),
    );
    await writeFile(path, file('          jitter: -4'));
    const outOfRange = await run(['apply', path]);
    assert.equal(outOfRange.code, 2);
    assert.match(
      outOfRange.stderr,
      new RegExp(`^faultline: config file ${path}:13:11: invalid attribute jitter of latency toxic "wrong"`),
    );
    await writeFile(path, file('        stream: sideways'));
    const badToxic = await run(['apply', path]);
    assert.equal(badToxic.code, 2);
    assert.match(badToxic.stderr, new RegExp(`^faultline: config file ${path}:9:9: `), 'the toxic at fault');
    assert.equal((await harness.api('GET', '/proxies/web')).status, 404, 'nothing was applied');
    await rm(path);
  });

  test("a toxic the proxy's protocol does not run is refused at the toxic's line, before anything is applied", async () => {
    const path = join(tempDirectory('apply'), 'protocol.yaml');
    const file = (protocol: string, type: string) =>
      [
        'proxies:',
        '  - name: first',
        `    upstream: ${echo.address}`,
        '  - name: mixed',
        `    upstream: ${echo.address}`,
        `    protocol: ${protocol}`,
        '    toxics:',
        '      - { type: noop }',
        `      - { type: ${type} }`,
        '',
      ].join('\n');
    await writeFile(path, file('tcp', 'loss'));
    const datagramOnTcp = await run(['apply', path]);
    assert.equal(datagramOnTcp.code, 2);
    assert.match(
      datagramOnTcp.stderr,
      new RegExp(
        `^faultline: config file ${path}:9:9: toxic type loss needs a proxy with protocol udp: proxy "mixed" has protocol tcp; `,
      ),
    );
    await writeFile(path, file('udp', 'latency'));
    const streamOnUdp = await run(['apply', path, '--dry-run']);
    assert.equal(streamOnUdp.code, 2);
    assert.match(
      streamOnUdp.stderr,
      new RegExp(
        `^faultline: config file ${path}:9:9: toxic type latency does not run on a udp proxy: proxy "mixed" carries datagrams; use udp_latency instead`,
      ),
    );
    assert.equal((await harness.api('GET', '/proxies/first')).status, 404, 'nothing was applied');
    await rm(path);
  });

  test('an invalid entry is reported at the line of the key at fault, and duplicate keys are refused', async () => {
    const path = join(tempDirectory('apply'), 'entry.yaml');
    await writeFile(
      path,
      `proxies:\n  - name: ok\n    upstream: ${echo.address}\n  - name: bad\n    upstream: nowhere\n`,
    );
    const entry = await run(['apply', path]);
    assert.equal(entry.code, 2);
    assert.match(
      entry.stderr,
      new RegExp(
        `^faultline: config file ${path}:5:5: address nowhere: missing port in address: upstream of proxy "bad" must be "host:port"`,
      ),
    );
    await writeFile(
      path,
      `proxies:\n  - name: dns\n    upstream: ${echo.address}\n    protocol: udp\n    idle_timeout: -5\n    protocl: udp\n`,
    );
    const unknownKey = await run(['apply', path]);
    assert.equal(unknownKey.code, 2);
    assert.match(
      unknownKey.stderr,
      new RegExp(`^faultline: config file ${path}:6:5: json: unknown field "protocl"`),
    );
    await writeFile(
      path,
      `proxies:\n  - name: dns\n    upstream: ${echo.address}\n    protocol: udp\n    idle_timeout: -5\n`,
    );
    const badValue = await run(['apply', path]);
    assert.equal(badValue.code, 2);
    assert.match(
      badValue.stderr,
      new RegExp(`^faultline: config file ${path}:5:5: invalid idle_timeout of proxy "dns": received -5`),
    );
    await writeFile(path, `proxies:\n  - name: twice\n    name: again\n    upstream: ${echo.address}\n`);
    const duplicate = await run(['apply', path]);
    assert.equal(duplicate.code, 2);
    assert.match(
      duplicate.stderr,
      new RegExp(
        `^faultline: config file ${path}:3:5: not valid YAML or JSON: duplicate key 'name' \\(first written at line 2\\): Map keys must be unique`,
      ),
    );
    await writeFile(path, `proxy:\n  - name: typo\n    upstream: ${echo.address}\n`);
    const unknown = await run(['apply', path]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, new RegExp(`^faultline: config file ${path}:1:1: unknown key "proxy"`));
    assert.equal((await harness.api('GET', '/proxies/ok')).status, 404, 'nothing was applied');
    await rm(path);
  });

  test('a broken file is refused with the reason, and nothing changes', async () => {
    await writeFile(file, 'proxies:\n  - name: bad\n    upstream: nowhere\n');
    const result = await run(['apply', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /upstream of proxy "bad" must be "host:port"/);
    assert.equal((await harness.api('GET', '/proxies/bad')).status, 404);
  });
});

describe('watch', () => {
  test('the proxy column lines up under the longest event type', () => {
    const line = (type: string) =>
      watchLine({ time: '2026-01-01T00:00:00.000Z', data: { type, proxy: 'api', message: 'x' } } as never);
    const column = (text: string) => text.indexOf(' api ');
    assert.equal(column(line('http.upstream_failed')), column(line('proxy.deleted')));
  });

  test('prints one line per change and per toxic that fires', async () => {
    const child = spawn(
      process.execPath,
      [cli, 'watch', '--since', '0', '--proxy', 'watched', '--types', 'toxic,proxy.created'],
      {
        env: { PATH: process.env.PATH ?? '', FAULTLINE_URL: harness.url },
      },
    );
    after(() => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    await harness.api('POST', '/proxies', { name: 'watched', listen: '127.0.0.1:0', upstream: echo.address });
    await waitFor(() => output.includes('proxy.created'), 'watch to print the proxy');
    await harness.api('POST', '/proxies/watched/toxics', {
      name: 'cap',
      type: 'limit_data',
      attributes: { bytes: 1 },
    });
    const socket = await connect(await portOf('watched'));
    socket.on('error', () => undefined);
    socket.write('xy');
    await waitFor(() => output.includes('toxic.fired'), 'the fired line');
    const lines = output.trim().split('\n');
    assert.match(
      lines.find((line) => line.includes('toxic.added'))!,
      /watched\s+cap: on every connection, closes the connection after 1 bytes \(downstream\)/,
    );
    assert.match(
      lines.find((line) => line.includes('toxic.fired'))!,
      /^\d\d:\d\d:\d\d\.\d{3} {2}toxic\.fired\s+watched\s+cap \(limit_data, downstream\) on connection #\d+: limit$/,
    );
    process.kill(child.pid!, 'SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(child.exitCode, 0);
  });

  test('--proxy for a proxy the server does not have says so on stderr, and watches on', async () => {
    const watching = spawnCli(
      ['watch', '--proxy', 'later', '--types', 'proxy', '--since', '0'],
      { FAULTLINE_URL: harness.url },
      false,
    );
    await waitFor(() => watching.output().stderr.includes('has no proxy'), 'the note about the proxy');
    assert.equal(
      watching.output().stderr,
      `faultline: watch: the server at ${harness.url} has no proxy "later" now; its events show once it is created ("faultline list" names the proxies there)\n`,
    );
    await harness.api('POST', '/proxies', { name: 'later', listen: '127.0.0.1:0', upstream: echo.address });
    await waitFor(() => watching.output().stdout.includes('proxy.created'), 'the proxy created later');
    process.kill(watching.child.pid!, 'SIGINT');
    assert.equal((await watching.done).code, 0);
  });

  test("--json lines carry each event's id, so a script can resume with --since", async () => {
    const follow = (since: number) =>
      spawnCli(
        ['watch', '--json', '--proxy', 'jsoned', '--since', String(since)],
        { FAULTLINE_URL: harness.url },
        false,
      );
    const lines = (watching: ReturnType<typeof follow>) =>
      watching
        .output()
        .stdout.split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { id?: number; type: string });
    const first = follow(0);
    await harness.api('POST', '/proxies', { name: 'jsoned', listen: '127.0.0.1:0', upstream: echo.address });
    await harness.api('POST', '/proxies/jsoned/toxics', {
      name: 'lag',
      type: 'latency',
      attributes: { latency: 1 },
    });
    await waitFor(() => lines(first).length === 2, 'the two events');
    process.kill(first.child.pid!, 'SIGINT');
    assert.equal((await first.done).code, 0);
    const [created, added] = lines(first);
    assert.equal(created!.type, 'proxy.created');
    assert.ok(Number.isSafeInteger(created!.id) && added!.id! > created!.id!, JSON.stringify(lines(first)));
    const resumed = follow(created!.id!);
    await waitFor(() => lines(resumed).length === 1, 'the replay after the first id');
    process.kill(resumed.child.pid!, 'SIGINT');
    assert.equal((await resumed.done).code, 0);
    assert.deepEqual(lines(resumed), [added], 'the event after that id, once, with the same id');
  });

  test('prints each event at its time in the local time zone, as the dashboard does', async () => {
    const text = spawnCli(
      ['watch', '--proxy', 'zoned', '--since', '0'],
      { FAULTLINE_URL: harness.url, TZ: 'Asia/Kolkata' },
      false,
    );
    const json = spawnCli(
      ['watch', '--json', '--proxy', 'zoned', '--since', '0'],
      { FAULTLINE_URL: harness.url },
      false,
    );
    await harness.api('POST', '/proxies', { name: 'zoned', listen: '127.0.0.1:0', upstream: echo.address });
    await waitFor(
      () => text.output().stdout.includes('proxy.created') && json.output().stdout.includes('proxy.created'),
      'both watches',
    );
    process.kill(text.child.pid!, 'SIGINT');
    process.kill(json.child.pid!, 'SIGINT');
    await Promise.all([text.done, json.done]);
    const { time } = JSON.parse(json.output().stdout.split('\n')[0]!) as { time: string };
    // India is 5 h 30 min ahead of UTC all year.
    const local = new Date(Date.parse(time) + 5.5 * 3600_000).toISOString().slice(11, 23);
    assert.equal(text.output().stdout.slice(0, 12), local, `${time} in Asia/Kolkata`);
  });

  test('says so when the server goes away, with the id to resume from, and exits 1', async () => {
    const gone = await startHarness();
    const child = spawn(process.execPath, [cli, 'watch', '--since', '0', '--types', 'proxy'], {
      env: { PATH: process.env.PATH ?? '', FAULTLINE_URL: gone.url },
    });
    after(() => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (errors += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await gone.api('POST', '/proxies', { name: 'brief', listen: '127.0.0.1:0', upstream: echo.address });
    await waitFor(() => output.includes('proxy.created'), 'watch to print the proxy');
    await gone.close();
    assert.equal(await exited, 1);
    assert.equal(
      errors,
      `faultline: watch: the server at ${gone.url} closed the event stream: it stopped or restarted\nrun faultline watch again once it is back; --since 1 first replays what it still has after the last event shown\n`,
    );
  });
});
