import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FaultSpec } from '../model/fault.js';

const bundlePath = fileURLToPath(new URL('../../browser/faultline.js', import.meta.url));

/** The browser script with its configuration in front, ready for a <script> tag or a console. */
export function browserScript(faults: FaultSpec[]): string {
  let bundle: string;
  try {
    bundle = readFileSync(bundlePath, 'utf8');
  } catch {
    throw new Error(`the browser script is not built (${bundlePath}); run "npm run build"`);
  }
  return `window.__FAULTLINE_CONFIG__ = ${JSON.stringify({ faults })};\n${bundle}`;
}
