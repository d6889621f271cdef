import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe("the server's heap settings", () => {
  it('scavenge on the main thread alone, one task per scavenge', () => {
    // A fresh process that loads the server's heap settings first, as the server command does,
    // then allocates objects that live across scavenges, as requests in flight do.
    const settings = new URL('../src/cli/server-heap.js', import.meta.url).href;
    const script = `
      await import(${JSON.stringify(settings)});
      let alive = [];
      for (let round = 0; round < 300; round++) {
        for (let i = 0; i < 20000; i++) alive.push({ round, i });
        if (alive.length > 200000) alive = [];
      }`;
    const trace = execFileSync(
      process.execPath,
      ['--trace-gc', '--trace-parallel-scavenge', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const scavenges = trace.split('\n').filter((line) => line.includes(' Scavenge ')).length;
    // V8 prints a line per scavenging task: with helpers, two or more per scavenge.
    const tasks = trace.split('\n').filter((line) => line.includes(' scavenge[')).length;
    assert.ok(scavenges >= 20, `only ${scavenges} scavenges: the test allocated too little`);
    // Node's own start-up, before the settings load, may scavenge with helpers once or twice.
    assert.ok(tasks <= scavenges + 4, `${tasks} scavenging tasks for ${scavenges} scavenges`);
  });
});
