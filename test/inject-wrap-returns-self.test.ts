import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wrap } from '../src/inject/wrap.js';

/** Like node-redis: connect() resolves to the client itself; set() returns it for chaining. */
class Client {
  #store = new Map<string, string>();
  async connect() {
    return this;
  }
  async get(key: string) {
    return this.#store.get(key) ?? null;
  }
  set(key: string, value: string) {
    this.#store.set(key, value);
    return this;
  }
}

describe('a wrapped method that answers the object itself answers the wrapped one', () => {
  test('await wrapped.connect() gives the wrapped client, so its faults still apply', async () => {
    const client = wrap(new Client(), { methods: ['get'], error: 'boom' }, { enabled: true });
    const connected = await client.connect();
    assert.equal(connected, client);
    await assert.rejects(connected.get('k'), /boom/);
  });

  test('a chained call goes through the faults too, sync or not, faulted method or not', async () => {
    const chained = wrap(new Client(), { methods: ['get'], nullify: true, everyNth: 2 }, { enabled: true });
    assert.equal(chained.set('a', '1').set('b', '2'), chained);
    const results = [await chained.get('a'), await chained.get('a')];
    assert.deepEqual(results, ['1', null]);
    const sync = wrap(
      new Client(),
      { methods: ['set'], error: 'no', firstN: 1 },
      { enabled: true, sync: ['set'] },
    );
    assert.throws(() => sync.set('a', '1'), /no/);
    assert.equal(sync.set('a', '1'), sync);
    const delayed = wrap(new Client(), { methods: ['connect'], delay: 1 }, { enabled: true });
    assert.equal(await delayed.connect(), delayed);
  });

  test('a promise with methods of its own (got-style) is handed back as it is', async () => {
    const fancy = Object.assign(Promise.resolve('body'), { json: () => 'parsed' });
    const client = wrap(
      { get: () => fancy, other: async () => 1 },
      { methods: ['other'], error: 'x' },
      { enabled: true },
    );
    assert.equal(client.get(), fancy);
    assert.equal(client.get().json(), 'parsed');
  });
});
