import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { effectOf, type FaultSpec } from '../model/fault.js';
import { parseFault } from '../model/fault-schema.js';
import { refuseDuplicateNames } from '../model/fault-names.js';

const bundlePath = fileURLToPath(new URL('../../browser/faultline.js', import.meta.url));

/**
 * The browser script with its configuration in front, ready for a <script> tag or a console. The
 * faults are validated here, patterns included, so a bad one fails now and not in the page.
 */
export function browserScript(faults: FaultSpec[]): string {
  const checked = faults.map((fault, index) => {
    const where = `browser fault ${index + 1}`;
    const parsed = parseFault(fault, where);
    const effect = effectOf(parsed);
    if (effect === 'nullify' || effect === 'slowBody')
      throw new Error(
        `${where}: "${effect}" does not apply in a page (its requests get a delay, "error", "status" or "abort"); drop it`,
      );
    const unseen = (['methods', 'header'] as const).find((key) => parsed[key] !== undefined);
    if (unseen)
      throw new Error(
        `${where}: "${unseen}" never matches in a page, which sees each request's URL and method only; use "url" and "httpMethods"`,
      );
    if (parsed.body !== undefined && parsed.error !== undefined)
      throw new Error(
        `${where}: "body" would never be sent: an error is a network error, with no answer; drop body, or answer with "status" and body`,
      );
    return parsed;
  });
  refuseDuplicateNames(
    checked.map((fault) => fault.name),
    (index) => `browser fault ${index + 1}`,
  );
  let bundle: string;
  try {
    bundle = readFileSync(bundlePath, 'utf8');
  } catch {
    throw new Error(`the browser script is not built (${bundlePath}); run "npm run build"`);
  }
  return `window.__FAULTLINE_CONFIG__ = ${JSON.stringify({ faults: checked })};\n${bundle}`;
}
