import type { RunLog } from './console.js';
import type { SecretMask } from './secret-mask.js';

/** The same log, with every secret value replaced by "***" before it is written. */
export function maskedLog(log: RunLog, mask: SecretMask): RunLog {
  return {
    info: (message) => log.info(mask.text(message)),
    warning: (message) => log.warning(mask.text(message)),
    error: (message) => log.error(mask.text(message)),
    critical: (message) => log.critical(mask.text(message)),
    debug: (message) => log.debug?.(mask.text(message)),
    progress: (label) => log.progress(mask.text(label)),
    output: (text) => log.output?.(mask.text(text)),
  };
}
