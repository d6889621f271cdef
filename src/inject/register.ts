import { faultsEnabled } from './enabled.js';

/**
 * `FAULTLINE_INJECT=1 node --import faultline/register app.js`: faults for outbound fetch and
 * http(s).request and for fs calls, without changing the application (see register-install.ts).
 * Without FAULTLINE_INJECT nothing is read, patched or even loaded beyond this file. Bad
 * configuration stops the process with a message.
 */
const prefix = 'faultline/register:';

const raw = process.env.FAULTLINE_FAULTS ?? '';
if (!faultsEnabled()) {
  const switchValue = process.env.FAULTLINE_INJECT ?? '';
  const why =
    switchValue.trim() === ''
      ? 'FAULTLINE_INJECT is not'
      : `FAULTLINE_INJECT is ${JSON.stringify(switchValue)}, which is off (on is 1, true, on or yes)`;
  if (raw !== '')
    process.stderr.write(
      `${prefix} FAULTLINE_FAULTS is set but ${why}; no faults installed (set FAULTLINE_INJECT=1 to turn them on)\n`,
    );
} else if (raw === '') {
  process.stderr.write(
    `${prefix} FAULTLINE_INJECT is on but FAULTLINE_FAULTS is empty; no faults installed\n`,
  );
} else {
  try {
    const { installFaults } = await import('./register-install.js');
    await installFaults(raw);
  } catch (error) {
    process.stderr.write(`${prefix} ${(error as Error).message}\n`);
    process.exit(2);
  }
}
