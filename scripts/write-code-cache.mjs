// Started by scripts/build-cli.mjs: runs `faultline server` from its CommonJS bundle through the
// loader that reads code caches and, when the build says so (once the server has answered its
// first request), writes the code cache of every file it ran, with the functions start-up and
// that request compiled. Arguments: the bundle's entry file, then the server's arguments.
import { fileURLToPath } from 'node:url';
import { runBundleFile, writeCodeCaches } from '../dist/src/cli/cached-script.js';

const [entry, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url)), ...args];
process.once('message', async () => {
  const { restoreDefaultHeapFlags } = await import('../dist/src/cli/server-heap.js');
  restoreDefaultHeapFlags();
  process.send(writeCodeCaches(), () => process.exit(0));
});
runBundleFile(entry);
