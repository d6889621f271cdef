import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, spawnCli, tempDirectory } from './helpers.js';

/** `faultline ca` says whose CA it prints; -h asks the server, whose CA directory may be another. */
const serverCaDirectory = join(tempDirectory('cli-ca-server'), 'ca');
const userCaDirectory = join(tempDirectory('cli-ca-user'), 'ca');
const server = spawnCli(['server', '--port', '0'], { FAULTLINE_CA_DIR: serverCaDirectory });
const url = await new Promise<string>((resolve, reject) => {
  server.child.stderr!.on('data', () => {
    const match = /listening on (http:\/\/\S+)/.exec(server.output().stderr);
    if (match) resolve(match[1]!);
  });
  void server.done.then(() => reject(new Error(`the server exited: ${server.output().stderr}`)));
});
after(() => server.child.kill('SIGTERM'));
const asUser = (args: string[]) => runCli(args, { FAULTLINE_CA_DIR: userCaDirectory }, false);

test('with -h, ca prints the CA of that server, as GET /ca.pem serves it, not the CA of the user', async () => {
  const served = await (await fetch(`${url}/ca.pem`)).text();
  const fromServer = await asUser(['ca', '-h', url, '--pem']);
  assert.equal(fromServer.code, 0, fromServer.stderr);
  assert.equal(fromServer.stdout, served);
  const own = await asUser(['ca', '--pem']);
  assert.equal(own.code, 0, own.stderr);
  assert.notEqual(own.stdout, served, "the user's own CA is another one");
  const json = await asUser(['ca', '-h', url, '--json']);
  assert.deepEqual(Object.keys(JSON.parse(json.stdout)), ['server', 'sha256', 'pem']);
  assert.equal(JSON.parse(json.stdout).pem, served);
});

test("without -h, ca says it prints this user's CA and how to get a server's", async () => {
  const shown = await asUser(['ca']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^faultline's local CA certificate \(of this user, here\): /);
  assert.match(shown.stdout, /faultline ca -h http:\/\/127\.0\.0\.1:8474 --pem > faultline-ca\.pem\n$/);
});

test('FAULTLINE_URL (else TOXIPROXY_URL) names the server as -h does, as for every client command; set empty, the user’s CA', async () => {
  const served = await (await fetch(`${url}/ca.pem`)).text();
  const withEnvironment = (env: Record<string, string>, args: string[]) =>
    runCli(['ca', ...args], { FAULTLINE_CA_DIR: userCaDirectory, ...env }, false);
  for (const name of ['FAULTLINE_URL', 'TOXIPROXY_URL']) {
    const pem = await withEnvironment({ [name]: url }, ['--pem']);
    assert.equal(pem.code, 0, pem.stderr);
    assert.equal(pem.stdout, served, `${name} names the server`);
    const text = await withEnvironment({ [name]: url }, []);
    assert.match(
      text.stdout,
      new RegExp(`^the CA certificate of the server at ${url} \\(GET /ca\\.pem\\), named by ${name}\\n`),
    );
  }
  const own = await asUser(['ca', '--pem']);
  const unset = await withEnvironment({ FAULTLINE_URL: '' }, ['--pem']);
  assert.equal(unset.code, 0, unset.stderr);
  assert.equal(unset.stdout, own.stdout, "empty counts as unset: this user's CA");
  assert.notEqual(unset.stdout, served);
  const unreachable = await withEnvironment({ TOXIPROXY_URL: 'http://127.0.0.1:1' }, []);
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    /^faultline: cannot reach the faultline server at http:\/\/127\.0\.0\.1:1 .*\nthe server is the one TOXIPROXY_URL names; for this user's own CA, leave it empty: TOXIPROXY_URL= faultline ca\n$/,
  );
  const flag = await withEnvironment({ FAULTLINE_URL: 'http://127.0.0.1:1' }, ['-h', url, '--json']);
  assert.equal(JSON.parse(flag.stdout).pem, served, '-h wins over FAULTLINE_URL');
});
