import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { parseServerSeed } from '../src/cli/seed-option.js';
import { spawnCli, startEchoServer, tempDirectory, waitFor } from './helpers.js';

function start(args: string[]) {
  const cli = spawnCli(args);
  const exited = cli.done.then(({ code }) => code as number);
  const listening = new Promise<string>((resolve, reject) => {
    cli.child.stderr!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(cli.output().stderr);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${cli.output().stderr}`)));
  });
  listening.catch(() => undefined);
  return { child: cli.child, listening, exited, output: cli.output };
}

async function writeTemp(name: string, text: string): Promise<string> {
  const path = join(tempDirectory('server'), name);
  await writeFile(path, text);
  return path;
}

test('faultline server prints its address, applies a YAML config with toxics, logs JSON, and stops on SIGTERM', async () => {
  const echo = await startEchoServer();
  const config = await writeTemp(
    'config.yaml',
    `proxies:\n  - name: cfg\n    listen: 127.0.0.1:0\n    upstream: ${echo.address}\n    toxics:\n      - type: latency\n        attributes: { latency: 5 }\n`,
  );
  const server = start(['server', '--port', '0', '--config', config, '--seed', '9']);
  const url = await server.listening;
  assert.match(server.output().stderr, /\(seed 9\)/);
  const proxies = (await (await fetch(`${url}/proxies`)).json()) as Record<string, any>;
  assert.equal(proxies.cfg.toxics[0].attributes.latency, 5);
  const line = server
    .output()
    .stdout.split('\n')
    .find((text) => text.includes('Populated proxies'));
  assert.equal(JSON.parse(line!).proxies, 1);
  process.kill(server.child.pid!, 'SIGTERM');
  assert.equal(await server.exited, 0);
});

test("Toxiproxy's -seed takes an int64, such as the time in nanoseconds it defaults to; stderr and the log say the one seed that replays the run, and how it was folded", async () => {
  for (const given of ['-1700000000000000000', '-1']) {
    const { seed } = parseServerSeed(given);
    const server = start(['server', '--port', '0', '-seed', given]);
    await server.listening;
    assert.ok(
      server
        .output()
        .stderr.includes(`(seed ${seed}, folded from --seed ${given} (outside 0 to 2147483647))\n`),
      server.output().stderr,
    );
    const listening = () =>
      server
        .output()
        .stdout.split('\n')
        .find((text) => text.includes('faultline server listening'));
    await waitFor(() => listening() !== undefined, 'the JSON log line of the listening server');
    const line = listening();
    const logged = JSON.parse(line!);
    assert.deepEqual([logged.seed, logged.seed_given], [seed, given]);
    process.kill(server.child.pid!, 'SIGTERM');
    assert.equal(await server.exited, 0);
  }
});

test('a config file with an error stops start-up with a message that names the problem', async () => {
  const config = await writeTemp(
    'bad.json',
    '[{"name":"x","upstream":"127.0.0.1:1","toxics":[{"type":"slicer"}]}]',
  );
  const server = start(['server', '--port', '0', '--config', config]);
  assert.equal(await server.exited, 2);
  // Column 49 is the toxic at fault (its average_size is not written, so no key to point at).
  assert.match(
    server.output().stderr,
    /^faultline: config file \/\S+bad\.json:1:49: invalid attribute average_size of slicer toxic "slicer_downstream": received 0/,
  );
});

test('malformed YAML and a missing file are reported, not thrown', async () => {
  const yaml = await writeTemp('broken.yaml', 'proxies: [\n');
  const broken = start(['server', '--port', '0', '--config', yaml]);
  assert.equal(await broken.exited, 2);
  assert.match(
    broken.output().stderr,
    /^faultline: config file \/\S+broken\.yaml:2:1: not valid YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a \]/,
  );
  const missing = start(['server', '--port', '0', '--config', '/nonexistent/faultline.json']);
  assert.equal(await missing.exited, 2);
  assert.match(
    missing.output().stderr,
    /cannot read config file \/nonexistent\/faultline.json: it does not exist; give the path of a YAML or JSON file of proxies/,
  );
  const directory = start(['server', '--port', '0', '--config', tmpdir()]);
  assert.equal(await directory.exited, 2);
  assert.match(directory.output().stderr, /cannot read config file \S+: it is a directory; give the path/);
});

test('a config proxy whose listen port is taken names the file and the proxy', async () => {
  const holder = net.createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const taken = (holder.address() as net.AddressInfo).port;
  const config = await writeTemp(
    'clash.yaml',
    `proxies:\n  - name: fine\n    listen: 127.0.0.1:0\n    upstream: 127.0.0.1:1\n  - name: clash\n    listen: 127.0.0.1:${taken}\n    upstream: 127.0.0.1:1\n`,
  );
  const server = start(['server', '--port', '0', '--config', config]);
  assert.equal(await server.exited, 2);
  holder.close();
  assert.equal(
    server.output().stderr,
    `faultline: config file ${config}: proxy "clash" (proxy 2 of 2): listen tcp 127.0.0.1:${taken}: bind: address already in use: something else holds this port: stop it or pick another port (port 0 picks a free one)\n`,
  );
});

test('a taken control port is reported with what to do', async () => {
  const first = start(['server', '--port', '0']);
  const port = new URL(await first.listening).port;
  const second = start(['server', '--port', port]);
  assert.equal(await second.exited, 2);
  assert.match(second.output().stderr, /address already in use .*pass --port with a free port/);
  process.kill(first.child.pid!, 'SIGINT');
  assert.equal(await first.exited, 0);
});

test('bad flag values are refused before anything starts', async () => {
  const server = start(['server', '--port', '99999']);
  assert.notEqual(await server.exited, 0);
  assert.match(server.output().stderr, /--port must be a whole number from 0 to 65535, received "99999"/);
});

test('an --allowed-host with a port, a scheme or a path is refused: the Host header would never match it', async () => {
  for (const written of ['toxiproxy:8474', 'http://toxiproxy', 'toxiproxy/api']) {
    const server = start(['server', '--port', '0', '--allowed-host', written]);
    const started = await Promise.race([server.exited.then(() => false), server.listening.then(() => true)]);
    if (started) {
      process.kill(server.child.pid!, 'SIGTERM');
      await server.exited;
      assert.fail(`the server started with --allowed-host ${written}`);
    }
    assert.equal(await server.exited, 2, written);
    assert.match(
      server.output().stderr,
      new RegExp(
        `--allowed-host takes a host name alone \\(no scheme, port or path\\), or "\\*", such as --allowed-host toxiproxy; received "${written}"`,
      ),
    );
  }
});

/** The IPv4 addresses (address:port) the process's TCP sockets listen on, from /proc. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const listening: string[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9]!)) continue;
    const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
    const octets = hexAddress
      .match(/../g)!
      .map((byte) => parseInt(byte, 16))
      .reverse();
    listening.push(`${octets.join('.')}:${parseInt(hexPort, 16)}`);
  }
  return listening;
}

/** Whether a TCP connect to host:port is accepted. */
async function accepts(host: string, port: number): Promise<boolean> {
  const socket = net.connect({ host, port });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

describe("the listen address is the command's own --host (issue #13)", () => {
  for (const [label, args, host] of [
    ['--host', ['server', '--host', '127.0.0.2', '--port', '0'], '127.0.0.2'],
    ["toxiproxy-server's -host and -port", ['server', '-host', '127.0.0.3', '-port', '0'], '127.0.0.3'],
    ['-host=ADDRESS', ['server', '-host=127.0.0.4', '-port=0'], '127.0.0.4'],
  ] as const) {
    test(`faultline server ${label} listens there, and only there`, async () => {
      const server = start([...args]);
      const url = new URL(await server.listening);
      assert.equal(url.hostname, host);
      const version = await fetch(new URL('/version', url));
      assert.equal(version.status, 200);
      assert.equal(await accepts(host, Number(url.port)), true);
      // What the server's own sockets listen on, from the kernel: a connect to 127.0.0.1 at the
      // same port could reach another process's listener, which may take that port number there.
      assert.deepEqual(listeningAddresses(server.child.pid!), [`${host}:${url.port}`]);
      process.kill(server.child.pid!, 'SIGTERM');
      assert.equal(await server.exited, 0);
    });
  }

  test("toxiproxy-server's -proxy-metrics, -runtime-metrics and log level panic are taken; /metrics has Toxiproxy's counters", async () => {
    // LOG_LEVEL=panic too, which a Toxiproxy container's environment may set.
    const server = start([
      'server',
      '-port',
      '0',
      '-proxy-metrics',
      '--runtime-metrics',
      '--log-level',
      'panic',
    ]);
    const url = await server.listening;
    const metrics = await fetch(new URL('/metrics', url));
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^# TYPE toxiproxy_proxy_sent_bytes_total counter$/m);
    assert.match(text, /^# TYPE faultline_process_cpu_seconds_total counter$/m);
    process.kill(server.child.pid!, 'SIGTERM');
    assert.equal(await server.exited, 0);
    assert.equal(server.output().stdout, '', 'at panic, the info lines of each request are not logged');
  });

  test('faultline browser-proxy --host listens there', async () => {
    const proxy = spawnCli([
      'browser-proxy',
      '--target',
      'http://127.0.0.1:9',
      '--host',
      '127.0.0.2',
      '--port',
      '0',
      '--delay',
      '1',
    ]);
    const address = await new Promise<URL>((resolve, reject) => {
      proxy.child.stderr!.on('data', () => {
        const match = /browser-proxy on (http:\/\/\S+)/.exec(proxy.output().stderr);
        if (match) resolve(new URL(match[1]!));
      });
      void proxy.done.then(({ code }) => reject(new Error(`exited ${code}: ${proxy.output().stderr}`)));
    });
    assert.equal(address.hostname, '127.0.0.2');
    assert.equal(await accepts('127.0.0.2', Number(address.port)), true);
    assert.equal(await accepts('127.0.0.1', Number(address.port)), false, 'not on 127.0.0.1');
    process.kill(proxy.child.pid!, 'SIGTERM');
    const ended = await proxy.done;
    assert.equal(ended.code, 0, `${proxy.child.signalCode} ${ended.stderr}`);
  });

  test('--host before "server" (the client\'s server URL) is refused, not dropped', async () => {
    const server = start(['--host', '0.0.0.0', 'server', '--port', '0']);
    const outcome = await Promise.race([server.exited, server.listening.then(() => 'listening')]);
    if (outcome === 'listening') process.kill(server.child.pid!, 'SIGKILL');
    assert.equal(outcome, 2, 'it must not start on another address than the one given');
    assert.equal(
      server.output().stderr,
      'faultline: --host before "server" is the control API URL of client commands, which "server" does not use; ' +
        'to choose the address it listens on, put it after the command: faultline server --host ADDRESS\n',
    );
  });

  test('an address that is not on this machine says what to do', async () => {
    const server = start(['server', '--host', '192.0.2.1', '--port', '0', '--insecure']);
    const outcome = await Promise.race([server.exited, server.listening.then(() => 'listening')]);
    if (outcome === 'listening') process.kill(server.child.pid!, 'SIGKILL');
    assert.equal(outcome, 2, 'it must not start on another address than the one given');
    assert.match(
      server.output().stderr,
      /^faultline: cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine; pass --host with one of its addresses, or 0\.0\.0\.0 for all of them\n$/,
    );
  });
});

test("toxiproxy-server's -version prints the version and exits 0, starting nothing, even with -host 0.0.0.0", async () => {
  for (const args of [
    ['server', '-version'],
    ['server', '--version'],
    ['server', '-host', '0.0.0.0', '-version'],
  ]) {
    const { code, stdout, stderr } = await spawnCli(args).done;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^faultline \S+ \(Toxiproxy API 2\.12\.0\)\n$/);
    assert.doesNotMatch(stderr, /listening/);
  }
});

test("toxiproxy-server's bool flags take Go's values: -version=false starts the server, -proxy-metrics=true and =false are taken, -h is the help", async () => {
  for (const args of [
    ['server', '-version=true'],
    ['server', '--version=1'],
    ['server', '-proxy-metrics=true', '-runtime-metrics=false', '-version'],
    ['server', '--proxy-metrics=F', '-version'],
  ]) {
    const { code, stdout, stderr } = await spawnCli(args).done;
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.match(stdout, /^faultline \S+ \(Toxiproxy API 2\.12\.0\)\n$/);
  }
  const server = start(['server', '-version=false', '-proxy-metrics=true', '-port', '0']);
  const url = await server.listening;
  assert.equal((await fetch(new URL('/metrics', url))).status, 200);
  process.kill(server.child.pid!, 'SIGTERM');
  assert.equal(await server.exited, 0);

  const refused = await spawnCli(['server', '-runtime-metrics=yes', '-port', '0']).done;
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /^faultline: invalid boolean value "yes" for -runtime-metrics: give -runtime-metrics alone, or -runtime-metrics=true or -runtime-metrics=false\n/,
  );
  for (const help of ['-h', '-help']) {
    const { code, stdout, stderr } = await spawnCli(['server', help]).done;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Usage: faultline server \[options\]/);
  }
});

test('an empty -host (an unset variable in "-host=$VAR") is refused, saying what to give, where it failed with "Invalid URL"', async () => {
  for (const [args, env] of [
    [['server', '-host=', '-port', '0', '--insecure'], {}],
    [['server', '--port', '0'], { FAULTLINE_HOST: ' ' }],
  ] as const) {
    const { code, stderr } = await spawnCli([...args], env).done;
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /--host \(or FAULTLINE_HOST\) is empty, as an unset variable in "-host=\$VAR" gives: give the address to listen on, such as 127\.0\.0\.1, or 0\.0\.0\.0 for every interface/,
    );
    assert.doesNotMatch(stderr, /listening/);
  }
});
