import type { Command } from 'commander';
import { ClickCommand } from './click-command.js';
import { globalChaosOptions } from './chaos-globals.js';
import { chaosLog } from './chaos-log.js';
import { loadSettings } from '../experiment/controls/settings.js';
import { loadExperiment } from '../experiment/load.js';
import { validateExperiment } from '../experiment/validate.js';
import { validationErrorsOf } from '../experiment/errors.js';
import { example } from './context.js';
import { idleNoVerifyTls } from './idle-verify-tls.js';
import { baseDirectoryOf } from './run-command.js';

export function validateCommand(): Command {
  return new ClickCommand('validate')
    .description('check an experiment without running it')
    .argument('<source>', 'experiment file (.json, .yaml, .yml) or http(s) URL')
    .option('--strict', 'unknown keys are errors, not warnings')
    .option(
      '--no-verify-tls',
      'do not verify the TLS certificate of an https experiment URL (as chaos validate)',
    )
    .option(
      '--settings <path>',
      "settings file whose global 'controls' are validated too (default ~/.chaostoolkit/settings.yaml when it exists)",
    )
    .addHelpText('after', example('faultline validate experiment.yaml --strict'))
    .action(async (source: string, flags: { strict?: boolean; settings?: string; verifyTls: boolean }) => {
      const globals = globalChaosOptions();
      const log = chaosLog();
      let warnings = 0;
      const warn = (message: string) => {
        warnings += 1;
        log.warning(message);
      };
      const idle = idleNoVerifyTls(source, flags.verifyTls);
      if (idle) warn(idle);
      try {
        const { globalControls } = loadSettings(flags.settings ?? globals.settings, warn);
        await validateExperiment(
          await loadExperiment(source, { warn, verifyTls: flags.verifyTls }),
          baseDirectoryOf(source),
          {
            strict: flags.strict === true,
            warn,
            globalControls,
          },
        );
        log.info(
          warnings === 0
            ? 'experiment syntax and semantic look valid'
            : `experiment syntax and semantic look valid, with ${warnings} warning${warnings === 1 ? '' : 's'} above`,
        );
      } catch (error) {
        for (const each of validationErrorsOf(error)) log.error(each.message);
        process.exitCode = 1;
      }
    });
}
