// Bundles the dashboard (Preact, the toxic model it shares with the server for explain() and the
// forms, and its stylesheet) into dist/ui/app.js and style.css, which GET /ui/assets/ serves. No CDN:
// everything the page runs ships in the package.
import { build } from 'esbuild';

await build({
  entryPoints: { app: 'src/ui/main.tsx', style: 'src/ui/style.css' },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: 'dist/ui',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
