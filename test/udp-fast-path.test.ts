import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { describe, test } from 'node:test';
import { literalFirstLookup } from '../src/proxy/udp/bind.js';
import { handleDatagrams } from '../src/proxy/udp/datagram-handler.js';
import type { Flow } from '../src/proxy/udp/flow.js';
import { FlowTable } from '../src/proxy/udp/flow-table.js';

const flowOf = (address: string, port: number, id: number) =>
  ({ id, client: { address, port, family: 'udp4' } }) as unknown as Flow;

describe('the flow table', () => {
  test('finds flows by address and port; two ports of one address are two flows', () => {
    const table = new FlowTable();
    const first = flowOf('127.0.0.1', 5000, 1);
    const second = flowOf('127.0.0.1', 5001, 2);
    const other = flowOf('127.0.0.2', 5000, 3);
    table.add(first);
    table.add(second);
    table.add(other);
    assert.equal(table.size, 3);
    assert.equal(table.get('127.0.0.1', 5000), first);
    assert.equal(table.get('127.0.0.1', 5001), second);
    assert.equal(table.get('127.0.0.2', 5000), other);
    assert.equal(table.get('127.0.0.2', 5001), undefined);
    assert.equal(table.get('127.0.0.3', 5000), undefined);
    assert.deepEqual(
      [...table.values()].map((flow) => flow.id),
      [1, 2, 3],
    );
  });

  test('deleting one port of an address keeps the other; a stale flow is not deleted', () => {
    const table = new FlowTable();
    const first = flowOf('10.0.0.1', 53, 1);
    const second = flowOf('10.0.0.1', 54, 2);
    table.add(first);
    table.add(second);
    assert.equal(table.delete(flowOf('10.0.0.1', 53, 9)), false);
    assert.equal(table.size, 2);
    assert.equal(table.delete(first), true);
    assert.equal(table.delete(first), false);
    assert.equal(table.size, 1);
    assert.equal(table.get('10.0.0.1', 53), undefined);
    assert.equal(table.get('10.0.0.1', 54), second);
    assert.equal(table.delete(second), true);
    assert.equal(table.size, 0);
    assert.deepEqual([...table.values()], []);
  });

  test('a flow added again for the same address and port replaces the old one and counts once', () => {
    const table = new FlowTable();
    table.add(flowOf('::1', 7, 1));
    const again = flowOf('::1', 7, 2);
    table.add(again);
    assert.equal(table.size, 1);
    assert.equal(table.get('::1', 7), again);
  });
});

describe("the listener's lookup", () => {
  test('an IP literal is answered before the call returns, with its family', () => {
    const answers: unknown[][] = [];
    literalFirstLookup('127.0.0.1', 4, (...answer) => answers.push(answer));
    literalFirstLookup('::1', 6, (...answer) => answers.push(answer));
    assert.deepEqual(answers, [
      [null, '127.0.0.1', 4],
      [null, '::1', 6],
    ]);
  });

  test('a name is looked up by dns, in the family asked for', async () => {
    const answer = await new Promise<unknown[]>((resolve) =>
      literalFirstLookup('localhost', 4, (...args) => resolve(args)),
    );
    assert.deepEqual(answer, [null, '127.0.0.1', 4]);
  });
});

describe('datagrams handed straight from the socket', () => {
  test('each datagram reaches the handler with its sender, and none goes to the message event', async () => {
    const receiver = dgram.createSocket('udp4');
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');
    const got: string[] = [];
    let events = 0;
    receiver.on('message', () => (events += 1));
    const sender = dgram.createSocket('udp4');
    sender.bind(0, '127.0.0.1');
    await once(sender, 'listening');
    const all = new Promise<void>((resolve) =>
      handleDatagrams(receiver, (data, from) => {
        got.push(`${data.toString()} from ${from.address}:${from.port}`);
        if (got.length === 2) resolve();
      }),
    );
    sender.send('one', receiver.address().port, '127.0.0.1');
    sender.send('two', receiver.address().port, '127.0.0.1');
    await all;
    const from = `127.0.0.1:${sender.address().port}`;
    assert.deepEqual(got, [`one from ${from}`, `two from ${from}`]);
    assert.equal(events, 0);
    receiver.close();
    sender.close();
  });

  test('a socket whose handle node keeps under another name falls back to the message event', () => {
    const socket = new EventEmitter() as unknown as dgram.Socket;
    const got: string[] = [];
    handleDatagrams(socket, (data) => got.push(data.toString()));
    socket.emit('message', Buffer.from('via event'), { address: '127.0.0.1', port: 1 });
    assert.deepEqual(got, ['via event']);
  });
});
