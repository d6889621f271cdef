import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { adoptAccepted, SocketReader } from '../src/proxy/socket-reader.js';

/** A listener as the proxy binds one (paused on connect, half-open allowed) and one client of it. */
async function acceptOne(): Promise<{ accepted: net.Socket; client: net.Socket; server: net.Server }> {
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  return { accepted, client, server };
}

test('an accepted socket reads into the reader own buffer, with no second Socket around its handle', async () => {
  const { accepted, client, server } = await acceptOne();
  try {
    const reader = new SocketReader();
    const buffers = new Set<ArrayBufferLike>();
    const received = new Promise<string>((resolve) => {
      reader.onData = (view) => {
        buffers.add(view.buffer);
        resolve(view.toString());
      };
    });
    const adopted = adoptAccepted(accepted, reader);
    assert.equal(adopted, accepted);
    assert.equal(adopted.listenerCount('data'), 0);
    const firstBuffer = reader.options.buffer();
    adopted.resume();
    client.write('hello');
    assert.equal(await received, 'hello');
    assert.deepEqual([...buffers], [firstBuffer.buffer]);
  } finally {
    client.destroy();
    accepted.destroy();
    server.close();
  }
});

test('an adopted socket keeps half-open: the client ends and still reads the answer', async () => {
  const { accepted, client, server } = await acceptOne();
  try {
    const reader = new SocketReader();
    const received: string[] = [];
    reader.onData = (view) => received.push(view.toString());
    const adopted = adoptAccepted(accepted, reader);
    adopted.resume();
    client.end('question');
    await once(adopted, 'end');
    assert.deepEqual(received, ['question']);
    adopted.end('answer');
    const [answer] = (await once(client, 'data')) as [Buffer];
    assert.equal(answer.toString(), 'answer');
    await once(client, 'end');
  } finally {
    client.destroy();
    accepted.destroy();
    server.close();
  }
});
