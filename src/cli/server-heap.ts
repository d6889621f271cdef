import v8 from 'node:v8';

/**
 * Imported first by the server command, so it runs before the rest of the server loads: keeps
 * the young generation at V8's starting size (two 1 MB semi-spaces) instead of letting it grow
 * to 2 x 16 MB after a burst of API calls or connections. A burst of 1,000 POST /proxies grew it
 * to 16 MB, which the process then kept: 12 of the 19.6 MB the 1,000 proxies seemed to cost. A
 * proxy keeps little alive between chunks, so scavenges stay cheap at this size (README,
 * Performance: CPU per MiB and per connection within the noise, measured turn about). V8 reads the flag
 * at each growth decision, so setting it once the process runs takes effect. HTTP traffic is the
 * exception: while it flows, young-generation.ts lets V8 grow it, and takes it back at idle. Only
 * the server command imports this module; a program that embeds the library keeps its own settings.
 */
v8.setFlagsFromString('--semi-space-growth-factor=1');

/**
 * Scavenges on the main thread alone. V8 splits each scavenge into up to five tasks on its worker
 * threads and waits for them all, but what survives a proxy's scavenge is small (the requests in
 * flight: 100-160 KB), and when the CPUs are busy (a load generator, the upstream and the proxy on
 * two cores) the main thread waits for helpers that do not get a CPU. Measured under 32 keep-alive
 * connections at load 10 (docs/performance.md): 3.9-6.7 ms of pause per scavenge with helpers, the
 * bigger the young generation the more of them, against about 3.7 without. Read at each scavenge.
 */
v8.setFlagsFromString('--no-parallel-scavenge');

/**
 * Puts the flags above back to V8's defaults. V8 accepts a code cache only under the flags it was
 * made with, and the server's files are compiled before this module sets its flags, so the build
 * calls this before it writes the server's code cache (src/cli/cached-script.ts).
 */
export function restoreDefaultHeapFlags(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=2');
  v8.setFlagsFromString('--parallel-scavenge');
}
