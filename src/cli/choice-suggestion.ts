import { type Command, InvalidArgumentError } from 'commander';
import { didYouMean } from '../model/closest-key.js';

/**
 * commander refuses a value that is not one of an option's choices (`--protocol htp`) with the
 * list alone; faultline's other typos get `did you mean "http"?`, so these do too.
 */
export function suggestChoices(command: Command): void {
  for (const option of command.options) {
    const choices = option.argChoices;
    const parse = option.parseArg;
    if (choices === undefined || parse === undefined) continue;
    option.parseArg = <T>(value: string, previous: T): T => {
      try {
        return parse(value, previous);
      } catch (error) {
        const hint = didYouMean(value, choices).trim();
        if (!(error instanceof InvalidArgumentError) || hint === '') throw error;
        throw new InvalidArgumentError(`${error.message.replace(/\.$/, '')}; ${hint}`);
      }
    };
  }
}
