import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { pyStringRepr } from '../model/python-string-repr.js';
import {
  bytesKeptAsText,
  loadVarFiles,
  parseVar,
  parseVarWarning,
  type VarFiles,
} from '../experiment/configuration.js';
import { globalChaosOptions } from './chaos-globals.js';
import { chaosLog } from './chaos-log.js';
import { stopDescendants } from '../experiment/descendants.js';
import { checkJournalPath, writePrivateFile } from '../experiment/private-file.js';
import { maskedLog } from '../experiment/masked-log.js';
import { createSecretMask } from '../experiment/secret-mask.js';
import { checkVars } from '../experiment/vars-check.js';
import { explainVarsAtValidation } from './vars-at-validation.js';
import { idleNoVerifyTls } from './idle-verify-tls.js';
import { DEFAULT_LEDGER_DIRECTORY, openLedger } from '../experiment/ledger.js';
import { loadExperimentWithControls } from '../experiment/controls/loader.js';
import type { ControlRecord } from '../experiment/controls/record.js';
import { createPythonRuntime } from '../experiment/python/interpreter.js';
import {
  DEFAULT_SETTINGS_PATH,
  type LoadedSettings,
  loadControlFile,
  loadSettings,
} from '../experiment/controls/settings.js';
import { startExperiment } from '../experiment/run.js';
import { takeHaltReason } from '../experiment/halt-reason.js';
import { undoForHalt } from '../experiment/halt-undo.js';
import { settleGone } from '../experiment/ledger-gone.js';
import { describeEntry } from '../experiment/rollback.js';
import { connectReporter } from '../experiment/report-to-flag.js';
import { pickStrategies } from '../experiment/runtime-strategies.js';
import { validateExperiment } from '../experiment/validate.js';
import { validationErrorsOf } from '../experiment/errors.js';
import { checkActivityShapes } from '../experiment/activity-shapes.js';
import {
  dryModes,
  type DryMode,
  type Experiment,
  hypothesisStrategies,
  type HypothesisStrategy,
  isObject,
  rollbackStrategies,
  type RollbackStrategy,
} from '../model/experiment.js';
import { example, UsageError } from './context.js';
import { chaosChoiceOption } from './chaos-choice.js';
import { ClickCommand } from './click-command.js';
import { parsePythonFloat } from '../model/python-float.js';

interface RunFlags {
  journalPath: string;
  dry?: DryMode;
  validation: boolean;
  rollbackStrategy?: RollbackStrategy;
  hypothesisStrategy?: HypothesisStrategy;
  hypothesisFrequency: number;
  failFast?: boolean;
  var: string[];
  varFile: string[];
  maxDuration?: number;
  failOnActionError?: boolean;
  ledgerDir: string;
  strict?: boolean;
  settings?: string;
  controlFile: string[];
  reportTo?: string;
  verifyTls: boolean;
}

/**
 * click's `type=float`: Python's float() of the text, else `'x' is not a valid float.`; then
 * faultline's own bound, as chaos would run a check loop with no pause or never end.
 */
const seconds = (flag: string) => (value: string) => {
  const number = parsePythonFloat(value);
  if (number === undefined)
    throw new UsageError(`Invalid value for '${flag}': ${pyStringRepr(value)} is not a valid float.`);
  if (!Number.isFinite(number) || number <= 0)
    throw new UsageError(
      `Invalid value for '${flag}': ${pyStringRepr(value)} is not a number of seconds above 0.`,
    );
  return number;
};

/** click's Path(exists=True), checked as the line is read, in the order the options were given. */
const existingPath =
  (flag: string) =>
  (value: string, previous: string[] = []) => {
    if (!existsSync(value)) throw missingPath(flag, value);
    return [...previous, value];
  };
const missingPath = (flag: string, path: string) =>
  new UsageError(`Invalid value for '${flag}': Path ${pyStringRepr(path)} does not exist.`);

/** chaos's --var callback, run as click runs it: in the order given, before the run starts. */
const parsedVar = (value: string, previous: string[] = []) => {
  try {
    parseVar(value);
  } catch (error) {
    throw new UsageError(`Invalid value for '--var': ${(error as Error).message}`);
  }
  return [...previous, value];
};

export function runCommand(): Command {
  return new ClickCommand('run')
    .description('run a Chaos Toolkit experiment (JSON or YAML) and write its journal')
    .argument('<source>', 'experiment file (.json, .yaml, .yml) or http(s) URL')
    .option('--journal-path <path>', 'where to write the journal', './journal.json')
    .addOption(
      chaosChoiceOption(
        '--dry <mode>',
        'run without executing: probes, actions, activities or pause',
        dryModes,
      ),
    )
    .option('--no-validation', 'skip validation before running')
    .option('--no-verify-tls', 'do not verify the TLS certificate of an https experiment URL (as chaos run)')
    .addOption(
      chaosChoiceOption('--rollback-strategy <strategy>', 'when to play rollbacks', rollbackStrategies),
    )
    .addOption(
      chaosChoiceOption(
        '--hypothesis-strategy <strategy>',
        'when to check the steady state',
        hypothesisStrategies.filter((strategy) => strategy !== 'skip'),
      ),
    )
    .option(
      '--hypothesis-frequency <seconds>',
      'seconds between checks during the method',
      seconds('--hypothesis-frequency'),
      1,
    )
    .option('--fail-fast', 'fail the run at the first deviation seen during the method')
    .addOption(
      new Option('--var <name[:type]=value>', 'override a configuration value (repeatable)')
        .argParser(parsedVar)
        .default([], 'none'),
    )
    .addOption(
      new Option('--var-file <path>', 'configuration and secrets from JSON/YAML, or a .env file (repeatable)')
        .argParser(existingPath('--var-file'))
        .default([], 'none'),
    )
    .option(
      '--max-duration <seconds>',
      'interrupt and roll back the run when it takes longer',
      seconds('--max-duration'),
    )
    .option(
      '--fail-on-action-error',
      "stop the method at the first failed action and end the run 'failed' (so the default rollback strategy plays no rollbacks). " +
        'An action fails when its provider raises, as in chaos: a process that cannot start or times out, an HTTP request ' +
        'with no answer, a Python or JavaScript exception, a faultline call the server refuses. A process that exits ' +
        'non-zero and an HTTP error status are not failures: check them with a probe and a tolerance',
    )
    .option('--strict', 'unknown keys and unknown --var names are errors, not warnings')
    .option(
      '--settings <path>',
      "Chaos Toolkit settings file whose 'controls' apply to the run (default ~/.chaostoolkit/settings.yaml when it exists)",
    )
    .addOption(
      new Option(
        '--control-file <path>',
        'JSON or YAML file of global controls {name: control}, as chaos run reads it (repeatable)',
      )
        .argParser(existingPath('--control-file'))
        .default([], 'none'),
    )
    .addOption(
      new Option(
        '--report-to <url>',
        'register the run with a faultline server, which lists it and whose halt interrupts it (default FAULTLINE_URL)',
      ).env('FAULTLINE_URL'),
    )
    .option(
      '--ledger-dir <dir>',
      'where injected faults are recorded for "faultline rollback"',
      DEFAULT_LEDGER_DIRECTORY,
    )
    .addHelpText(
      'after',
      example('faultline run experiment.json --rollback-strategy always --max-duration 300'),
    )
    .action(async (source: string, flags: RunFlags, command: Command) => {
      const explicit = (name: string) => command.getOptionValueSource(name) === 'cli';
      const code = await run(source, flags, explicit);
      // Whatever an activity left open (a pool, a timer) must not keep a finished run alive.
      process.exit(code);
    });
}

async function run(source: string, flags: RunFlags, explicit: (flag: string) => boolean): Promise<number> {
  const mask = createSecretMask();
  const globals = globalChaosOptions();
  if (globals.verbose) process.env.FAULTLINE_VERBOSE = '1';
  const log = maskedLog(chaosLog(), mask);
  const { vars, unread } = await collectVars(
    flags,
    (message) => log.error(message),
    (message) => log.warning(message),
  );
  let experiment: Experiment;
  let settings: LoadedSettings;
  let loaderControls: ControlRecord[];
  // One interpreter from the loader hooks to the end of the run, as chaos run is one process.
  const python = createPythonRuntime({
    moduleDirectory: baseDirectoryOf(source),
    output: (text) => log.output?.(text),
  });
  let reporter: Awaited<ReturnType<typeof connectReporter>>;
  // One id for the run's ledger and its registration, so /runs and /ledger name it the same way.
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  // Until the run starts, a signal ends faultline as KeyboardInterrupt ends chaos (130), said aloud.
  const beforeStart = (signal: NodeJS.Signals) => {
    log.critical(
      `${signal} received while the experiment was being loaded and validated: nothing ran, no journal is written; stopping`,
    );
    void python.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', beforeStart);
  process.on('SIGTERM', beforeStart);
  const stopListening = () => {
    process.off('SIGINT', beforeStart);
    process.off('SIGTERM', beforeStart);
  };
  try {
    log.debug?.(`Using settings file '${flags.settings ?? globals.settings ?? DEFAULT_SETTINGS_PATH}'`);
    const idle = idleNoVerifyTls(source, flags.verifyTls);
    if (idle) log.warning(idle);
    settings = loadSettings(flags.settings ?? globals.settings, (message) => log.warning(message));
    for (const path of flags.controlFile) {
      const controls = loadControlFile(path, (message) => log.warning(message));
      settings.globalControls.push(...controls);
    }
    if (settings.globalControls.length > 0) {
      log.info(`Global controls: ${settings.globalControls.map((c) => c.name).join(', ')}`);
    }
    const loaded = await loadExperimentWithControls(source, {
      globals: settings.globalControls,
      settings: settings.settings,
      baseDirectory: baseDirectoryOf(source),
      python,
      log,
      verifyTls: flags.verifyTls,
    });
    const document = loaded.document;
    loaderControls = loaded.controls;
    // Secrets written in the file are hidden from the first line on, validation messages included.
    if (isObject(document)) mask.addSecrets(document.secrets);
    if (flags.validation) {
      log.info("Validating the experiment's syntax");
      experiment = await validateExperiment(document, baseDirectoryOf(source), {
        strict: flags.strict === true,
        warn: (message) => log.warning(message),
        globalControls: settings.globalControls,
        python,
      }).catch((error: unknown) => {
        throw explainVarsAtValidation(error, document, vars);
      });
      log.info('Experiment looks valid');
    } else {
      if (isObject(document)) checkActivityShapes(document);
      experiment = document as Experiment;
    }
    checkVars(experiment, vars, { varFlags: flags.var, unread, strict: flags.strict === true }, (message) =>
      log.warning(message),
    );
    await checkJournalPath(flags.journalPath);
    reporter = await connectReporter(
      flags.reportTo,
      explicit('reportTo'),
      experiment,
      flags.journalPath,
      log,
      { id: runId, rollbackStrategyFlag: flags.rollbackStrategy },
    );
  } catch (error) {
    for (const each of validationErrorsOf(error)) log.error(each.message);
    await python.close();
    stopListening();
    return 1;
  }
  const strategies = pickStrategies(
    {
      ...(flags.hypothesisStrategy ? { hypothesis: flags.hypothesisStrategy } : {}),
      ...(flags.rollbackStrategy ? { rollbacks: flags.rollbackStrategy } : {}),
    },
    experiment.runtime,
    settings.settings.runtime,
  );
  log.debug?.(
    `Runtime strategies: hypothesis - ${strategies.hypothesis} / rollbacks - ${strategies.rollbacks}`,
  );
  if (strategies.hypothesis === 'continously') {
    log.warning(
      'The "--hypothesis-strategy=continously" command is depreciating and will be removed in a future version; instead, please use "--hypothesis-strategy=continuously"',
    );
  }
  const ledger = openLedger(flags.ledgerDir, {
    run: runId,
    experiment: String(experiment.title),
  });
  const hypothesisStrategy = strategies.hypothesis;
  warnAboutIdleFlags(hypothesisStrategy, flags, explicit, (message) => log.warning(message));
  let stopping: Promise<unknown> = Promise.resolve();
  // A background stress or a shell's grandchild would otherwise run on after the runner.
  const stopStarted = () => {
    const stopped = stopDescendants(3000, process.pid, running.ownProcesses()).then(async (pids) => {
      if (pids.length === 0) return;
      log.warning(`Stopped the processes this run started: ${pids.join(', ')}`);
      // A stress settles its ledger entries once its output closes, after it died: the ledger is
      // read for faults left only after that, or a stopped stress would be reported as left.
      const { stressesSettled } = await import('../system/operations/stress-operations.js');
      await stressesSettled();
    });
    stopping = Promise.all([stopping, stopped]);
  };
  const running = startExperiment(experiment, {
    log,
    mask,
    ledger,
    baseDirectory: baseDirectoryOf(source),
    vars,
    globalControls: settings.globalControls,
    settings: settings.settings,
    python,
    loaderControls,
    hypothesisFrequency: flags.hypothesisFrequency,
    hypothesisStrategy,
    rollbackStrategy: strategies.rollbacks,
    ...(flags.dry ? { dry: flags.dry } : {}),
    ...(flags.failFast ? { failFast: true } : {}),
    ...(flags.maxDuration ? { maxDuration: flags.maxDuration, onTimeLimit: () => stopStarted() } : {}),
    ...(flags.failOnActionError ? { failOnActionError: true } : {}),
  });
  let signals = 0;
  /** Set by a halt (the server's, or one from the ledger): the run undoes what is left for it. */
  let halted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals >= 3) {
      log.critical(`${signal} received a third time: exiting now, without waiting for the rollbacks`);
      process.exit(1);
    }
    // A halt from the ledger signals SIGINT and leaves its reason beside the ledger.
    const reason = signal === 'SIGINT' && ledger.path !== undefined ? takeHaltReason(ledger.path) : undefined;
    if (reason !== undefined && signals === 1) {
      halted = true;
      log.critical(`${reason}: interrupting the run, its rollbacks play`);
      running.interrupt(reason, { playRollbacks: true });
      stopStarted();
      return;
    }
    log.warning(`${signal} received: interrupting ${signals === 1 ? 'the run' : 'the rollbacks'}`);
    running.interrupt(`${signal} signal received`);
    if (signals === 1) stopStarted();
  };
  stopListening();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  reporter?.onHalt((reason) => {
    halted = true;
    log.critical(`${reason}: interrupting the run, its rollbacks play`);
    running.interrupt(reason, { playRollbacks: true });
    stopStarted();
  });
  try {
    const journal = await running.journal;
    await stopping;
    // The halt undoes what the rollbacks left as soon as the run ends: done here, it is in the journal.
    if (halted && ledger.live().length > 0) {
      const { undone, left, failed } = await undoForHalt(ledger);
      for (const line of undone) log.warning(`Undone for the halt: ${line}`);
      for (const line of left) log.warning(`Left in place for the halt, not the run's any more: ${line}`);
      for (const line of failed) log.error(`Halt: ${line}`);
      if (undone.length > 0) journal.faults_undone_for_halt = undone.map((line) => mask.text(line));
      if (left.length > 0) journal.faults_left_alone_for_halt = left.map((line) => mask.text(line));
    }
    // The ledger is kept while any fault it recorded was not taken back by the run's own
    // rollbacks, whatever the status: a completed run without rollbacks leaves its faults too.
    // The journal says so as well, so a report read later does not show a clean run.
    for (const gone of await settleGone(ledger))
      log.info(`Already gone, so not left in place: ${mask.text(gone)}`);
    const live = ledger.live();
    if (live.length > 0) journal.faults_left = live.map((entry) => mask.text(describeEntry(entry)));
    await writePrivateFile(flags.journalPath, `${JSON.stringify(journal, null, 2)}\n`, '--journal-path');
    const left = live.length;
    const keep = left > 0 && ledger.path !== undefined && existsSync(ledger.path);
    ledger.close(keep);
    if (keep) {
      log.warning(
        `${left} fault${left === 1 ? '' : 's'} this run injected may still be in place: "faultline rollback" undoes them (ledger ${ledger.path})`,
      );
    }
    await reporter?.finish(journal.status ?? 'failed', resolve(flags.journalPath), journal.deviated === true);
    return journal.status === 'completed' && !journal.deviated ? 0 : 1;
  } catch (error) {
    log.error(`Run failed: ${(error as Error).message}`);
    await reporter?.finish('aborted', resolve(flags.journalPath));
    return 1;
  } finally {
    reporter?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** --fail-fast and --hypothesis-frequency only act on checks during the method. */
function warnAboutIdleFlags(
  strategy: HypothesisStrategy,
  flags: RunFlags,
  explicit: (flag: string) => boolean,
  warn: (message: string) => void,
): void {
  if (['during-method-only', 'continuously', 'continously'].includes(strategy)) return;
  const idle = [
    ...(flags.failFast ? ['--fail-fast'] : []),
    ...(explicit('hypothesisFrequency') ? ['--hypothesis-frequency'] : []),
  ];
  if (idle.length > 0) {
    warn(
      `${idle.join(' and ')} only ${idle.length === 1 ? 'acts' : 'act'} on the checks during the method, which the hypothesis strategy '${strategy}' does not make; use --hypothesis-strategy during-method-only or continuously`,
    );
  }
}

async function collectVars(
  flags: RunFlags,
  logError: (message: string) => void,
  warn: (message: string) => void,
): Promise<VarFiles> {
  // click's Path(exists=True) on both: a usage error (exit 2), before anything is read.
  for (const [flag, paths] of [
    ['--var-file', flags.varFile],
    ['--control-file', flags.controlFile],
  ] as const) {
    for (const path of paths) {
      if (!existsSync(path)) throw missingPath(flag, path);
    }
  }
  const files = await loadVarFiles(flags.varFile, logError);
  for (const text of flags.var) {
    try {
      const [name, value] = parseVar(text);
      files.vars.configuration[name] = value;
      if (/^[^=]*:bytes=/.test(text)) warn(bytesKeptAsText(`--var ${name}`));
      const rounded = parseVarWarning(text);
      if (rounded) warn(rounded);
    } catch (error) {
      // Thrown after commander's parsing, so commander would not print it: a plain usage error (exit 2).
      throw new UsageError(`Invalid value for '--var': ${(error as Error).message}`);
    }
  }
  return files;
}

export function baseDirectoryOf(source: string): string {
  return /^https?:\/\//.test(source) ? process.cwd() : dirname(resolve(source));
}
