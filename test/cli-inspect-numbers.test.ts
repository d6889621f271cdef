import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { float32Fixed2, float64Default } from '../src/cli/go-number-text.js';
import { runCli, startEchoServer, startHarness } from './helpers.js';

// toxiproxy-cli's piped `inspect` line prints toxicity with Go's %.2f of a float32 (exact halves
// round to even: 0.125 is 0.12) and attribute numbers with Go's %v (1000000 is 1e+06).
describe('numbers as Go prints them', () => {
  test('%.2f of a float32', () => {
    const cases: [number, string][] = [
      [1, '1.00'],
      [0, '0.00'],
      [0.5, '0.50'],
      [0.125, '0.12'],
      [0.375, '0.38'],
      [0.625, '0.62'],
      [0.875, '0.88'],
      [0.005, '0.00'],
      [0.015, '0.01'],
      [0.1, '0.10'],
      [0.333, '0.33'],
      [0.995, '1.00'], // the float32 is 0.99500000476…
      [0.115, '0.12'], // 0.11500000208…
    ];
    for (const [value, text] of cases) assert.equal(float32Fixed2(value), text, String(value));
  });

  test('%v of a float64', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [100, '100'],
      [999999, '999999'],
      [1000000, '1e+06'],
      [1048576, '1.048576e+06'],
      [123456789, '1.23456789e+08'],
      [1e21, '1e+21'],
      [0.5, '0.5'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-2500000, '-2.5e+06'],
    ];
    for (const [value, text] of cases) assert.equal(float64Default(value), text, String(value));
  });
});

describe('inspect, piped, prints the line toxiproxy-cli prints', () => {
  test('toxicity 0.125 and limit_data bytes 1048576', async () => {
    const harness = await startHarness();
    const echo = await startEchoServer();
    await harness.api('POST', '/proxies', {
      name: 'go_numbers',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const added = await harness.api('POST', '/proxies/go_numbers/toxics', {
      name: 'cap',
      type: 'limit_data',
      toxicity: 0.125,
      attributes: { bytes: 1048576 },
    });
    assert.equal(added.status, 200, added.text);
    const inspected = await runCli(['inspect', 'go_numbers'], { FAULTLINE_URL: harness.url }, false);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal(
      inspected.stdout,
      'cap\ttype=limit_data\tstream=downstream\ttoxicity=0.12\tattributes=[\tbytes=1.048576e+06\t]\n',
    );
  });
});
