import { EventEmitter } from 'node:events';
import { Command, type Option } from 'commander';
import { misplacedGlobalNote } from './chaos-globals.js';
import { ClickUsageError, type ClickFrame, noSuchOption } from './click-usage-error.js';
import { UsageError } from './context.js';

/**
 * A command of chaos's (run, validate) whose usage errors read as click's (8.2 on) in chaos 1.19:
 * the same words (`No such option '--journal'. Did you mean '--journal-path'?`, `Missing argument
 * 'SOURCE'.`, `Option '--var' requires an argument.`, `Got unexpected extra argument (b.json)`),
 * below click's usage line and hint (see click-usage-error.ts), on stderr, exit 2. commander
 * calls these methods on the command it parses; a UsageError an option's parser or the action
 * throws (`Invalid value for '--var': …`) gets the same frame.
 */
export class ClickCommand extends Command {
  /** `faultline run [OPTIONS] SOURCE`: the path, then click's metavars. */
  clickFrame(): ClickFrame {
    const path = commandPath(this);
    const metavars = this.registeredArguments.map(
      (argument) => `${argument.name().toUpperCase()}${argument.variadic ? '...' : ''}`,
    );
    return { usage: [path, '[OPTIONS]', ...metavars].join(' '), path };
  }

  /** click's parser: an unknown long option gets difflib's close matches among the long ones. */
  unknownOption(flag: string): never {
    const [name = flag] = flag.split('=');
    const longs = [...this.options.flatMap((option) => option.long ?? []), '--help'];
    // `--fail-fast=1`: a flag given a value is known, and click raises this without its context.
    if (flag.includes('=') && longs.includes(name))
      throw new ClickUsageError(`Option '${name}' does not take a value.`);
    // One of chaos's global options: click's words, then where it goes.
    const note = misplacedGlobalNote(name, this.name());
    const below = note === undefined ? '' : `\n${note}`;
    throw new ClickUsageError(`${noSuchOption(name, longs)}${below}`, this.clickFrame());
  }

  missingArgument(name: string): never {
    this.throwRefusedValue();
    throw new ClickUsageError(`Missing argument '${name.toUpperCase()}'.`, this.clickFrame());
  }

  optionMissingArgument(option: Option): never {
    throw new ClickUsageError(`Option '${option.long ?? option.flags}' requires an argument.`);
  }

  _excessArguments(received: readonly string[]): never {
    this.throwRefusedValue();
    const extra = received.slice(this.registeredArguments.length);
    const plural = extra.length === 1 ? 'argument' : 'arguments';
    throw new ClickUsageError(`Got unexpected extra ${plural} (${extra.join(' ')})`, this.clickFrame());
  }

  /** The first value an option refused, kept until the whole line is read (see emit). */
  private refusedValue: unknown;

  /**
   * An option's parser (or a listener, such as refuseConflictingRepeats) refusing its value.
   * click reads the whole line before it converts any value, so an unknown option or one
   * missing its value further on is named first; the refusal waits until then, and of several,
   * the first given is named, before a missing SOURCE or an extra argument, as click names them.
   */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    try {
      // commander's Command is an EventEmitter, which its typings leave out.
      return EventEmitter.prototype.emit.call(this, event, ...args);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      this.refusedValue ??= this.framed(error);
      return true;
    }
  }

  private throwRefusedValue(): void {
    if (this.refusedValue !== undefined) throw this.refusedValue;
  }

  /** A usage error the action finds (a --var that does not parse, a --var-file that is not there). */
  override action(fn: Parameters<Command['action']>[0]): this {
    // commander calls the action with the command as `this`.
    return super.action(async function (this: ClickCommand, ...args: unknown[]) {
      this.throwRefusedValue();
      try {
        await fn.apply(this, args);
      } catch (error) {
        throw this.framed(error);
      }
    });
  }

  private framed(error: unknown): unknown {
    if (error instanceof ClickUsageError || !(error instanceof UsageError)) return error;
    return new ClickUsageError(error.message, this.clickFrame());
  }
}

const commandPath = (command: Command): string =>
  command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
