// Bundles the browser script (and the fault model it shares with Node, RE2JS included) into one
// minified IIFE file: browser-proxy inlines it into every page.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/browser/script.ts'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  outfile: 'dist/browser/faultline.js',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
