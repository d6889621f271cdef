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
 * Puts the flag above back to V8's default. V8 accepts a code cache only under the flags it was
 * made with, and the server's files are compiled before this module sets its flag, so the build
 * calls this before it writes the server's code cache (src/cli/cached-script.ts).
 */
export function restoreDefaultHeapFlags(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=2');
}
