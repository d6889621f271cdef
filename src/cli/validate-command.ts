import { Command } from 'commander';
import { createConsoleLog } from '../experiment/console.js';
import { loadExperiment } from '../experiment/load.js';
import { validateExperiment } from '../experiment/validate.js';
import { example } from './context.js';
import { baseDirectoryOf } from './run-command.js';

export function validateCommand(): Command {
  return new Command('validate')
    .description('check an experiment without running it')
    .argument('<source>', 'experiment file (.json, .yaml, .yml) or http(s) URL')
    .option('--strict', 'unknown keys and controls are errors, not warnings')
    .addHelpText('after', example('faultline validate experiment.yaml --strict'))
    .action(async (source: string, flags: { strict?: boolean }) => {
      const log = createConsoleLog();
      let warnings = 0;
      try {
        await validateExperiment(await loadExperiment(source), baseDirectoryOf(source), {
          strict: flags.strict === true,
          warn: (message) => {
            warnings += 1;
            log.warning(message);
          },
        });
        log.info(
          warnings === 0
            ? 'experiment syntax and semantic look valid'
            : `experiment syntax and semantic look valid, with ${warnings} warning${warnings === 1 ? '' : 's'} above`,
        );
      } catch (error) {
        log.error((error as Error).message);
        process.exitCode = 1;
      }
    });
}
