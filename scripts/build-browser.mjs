// Bundles the browser script (and the fault model it shares with Node) into one IIFE file.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/browser/script.ts'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  outfile: 'dist/browser/faultline.js',
  legalComments: 'none',
  logLevel: 'warning',
});
