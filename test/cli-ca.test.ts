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
