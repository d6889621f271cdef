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
    .addHelpText('after', example('faultline validate experiment.yaml'))
    .action(async (source: string) => {
      const log = createConsoleLog();
      try {
        await validateExperiment(await loadExperiment(source), baseDirectoryOf(source));
        log.info('experiment syntax and semantic look valid');
      } catch (error) {
        log.error((error as Error).message);
        process.exitCode = 1;
      }
    });
}
