import { runCli } from './program.js';
import { serverCommand } from './server-command.js';

/**
 * `faultline server` alone: the same program as main.ts with the server command imported
 * up front, so the build can bundle it into one file that holds only what the server runs
 * (see scripts/build-cli.mjs). No top-level await: the build turns the bundle into CommonJS,
 * and runCli reports its own failures.
 */
void runCli(() => [{ names: ['server'], load: async () => serverCommand() }]);
