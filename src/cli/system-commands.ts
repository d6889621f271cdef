import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  type FailureThreshold,
  type LoadReport,
  methodProblem,
  parseFailureThreshold,
  runLoad,
  thresholdBreach,
} from '../system/load.js';
import { MissingCapability } from '../system/capability.js';
import type { SystemContext } from '../system/operations/index.js';
import { killRound, processOperations } from '../system/operations/process-operations.js';
import { formatInterval, killPlan, parseCount, parseInterval, repeatRounds } from '../system/kill-loop.js';
import { onlyOne, resolveTargets } from '../system/operations/selector.js';
import { UnsafeFile } from '../system/private-files.js';
import {
  describeExit,
  type ProcessInfo,
  processState,
  shortCommand,
  signalName,
  signalNumber,
} from '../system/processes.js';
import { attachRecorded, injectRecorded } from '../system/operations/syscall-operations.js';
import { nothingInjectedHint, type SyscallFault, type SyscallReport } from '../system/strace.js';
import { BadInput } from '../system/bad-input.js';
import { whyNotRunnable } from '../system/executable.js';
import { example, out, UsageError } from './context.js';
import { EXIT } from './failure.js';
import { stopOnSignals } from './stop-on-signals.js';
import { integer } from './integer-option.js';
import { holdFor, holdUntil, withCliLedger } from './system-action.js';
import { seconds, targetArgs, targetFlag, type TargetFlags, withTargetOptions } from './target-options.js';

export function loadCommand(): Command {
  return new Command('load')
    .description('HTTP load in the spirit of ab: requests per second, latency percentiles, failures by kind')
    .argument('<url>', 'what to load, e.g. http://127.0.0.1:8080/')
    .option('-c, --concurrency <n>', 'requests in flight at once, as ab -c', integer('-c', 1, 10_000), 1)
    .option('-n, --requests <n>', 'stop after this many requests', integer('-n', 1, 10_000_000))
    .option('-t, --time <seconds>', 'stop after this many seconds', integer('-t', 1, 3600))
    .option('-m, --method <method>', 'HTTP method (default GET, or POST with a body)')
    .addOption(
      new Option('-H, --header <name: value>', 'add a request header; repeat for more')
        .argParser(collectHeader)
        .default({}, 'none'),
    )
    .option('-p, --body-file <file>', 'send this file as the body of every request (implies POST)')
    .option('-d, --data <text>', 'send this text as the body of every request (implies POST)')
    .option('-T, --content-type <type>', 'Content-Type of the body (default text/plain)')
    .addOption(
      new Option(
        '--max-failures <n|p%>',
        'exit 1 when more requests than this fail (4xx, 5xx, no response): a count or a percentage',
      )
        .argParser(failureThreshold)
        .default({ count: 0 }, '0'),
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      example(
        'faultline load http://127.0.0.1:8080/ -c 10 -t 30 --max-failures 1% --json\n' +
          '  faultline load http://127.0.0.1:5000/search -c 1 -t 10 -H "Cookie: sessionID=something" \\\n' +
          '    -T application/x-www-form-urlencoded -d query=Apples',
      ),
    )
    .action(async (url: string, flags: LoadFlags) => {
      if (flags.requests === undefined && flags.time === undefined)
        throw new UsageError('give -n REQUESTS or -t SECONDS, so the load stops by itself');
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new UsageError(`"${url}" is not a URL; for example http://127.0.0.1:8080/`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw new UsageError(
          `"${url}" is not an http:// or https:// URL; faultline load speaks HTTP, for example http://127.0.0.1:8080/`,
        );
      const badMethod = flags.method === undefined ? undefined : methodProblem(flags.method);
      if (badMethod !== undefined)
        throw new UsageError(`-m ${JSON.stringify(flags.method)} is not an HTTP method: ${badMethod}`);
      if (flags.contentType !== undefined && flags.bodyFile === undefined && flags.data === undefined)
        throw new UsageError(
          '-T sets the Content-Type of the body, and there is none: give the body with -p FILE or -d TEXT, or send the header alone with -H "Content-Type: ..."',
        );
      if (flags.bodyFile !== undefined && flags.data !== undefined)
        throw new UsageError('give the body once: -p FILE or -d TEXT, not both');
      const body = flags.data ?? (flags.bodyFile === undefined ? undefined : readBody(flags.bodyFile));
      const stop = stopOnSignals();
      const progress =
        flags.time !== undefined && process.stderr.isTTY ? progressLine(flags.time) : undefined;
      const report = await runLoad({
        url,
        concurrency: flags.concurrency,
        headers: flags.header,
        signal: stop.signal,
        ...(progress ? { onProgress: progress.show } : {}),
        ...(flags.method === undefined ? {} : { method: flags.method }),
        ...(flags.contentType === undefined ? {} : { contentType: flags.contentType }),
        ...(body === undefined ? {} : { body }),
        ...(flags.requests === undefined ? {} : { requests: flags.requests }),
        ...(flags.time === undefined ? {} : { seconds: flags.time }),
      });
      progress?.clear();
      printReport(report, flags.json === true);
      const breach = thresholdBreach(report, flags.maxFailures);
      if (stop.status !== undefined) {
        process.stderr.write(`faultline: interrupted after ${report.requests} requests\n`);
        process.exitCode = stop.status;
      } else if (breach) {
        process.stderr.write(`faultline: ${breach} by --max-failures\n`);
        process.exitCode = EXIT.failed;
      }
    });
}

function printReport(report: LoadReport, json: boolean): void {
  if (json) return out(JSON.stringify(report, null, 2));
  out(
    `${report.requests} requests in ${report.durationSeconds} s: ${report.requestsPerSecond} requests/s, concurrency ${report.concurrency}`,
  );
  out(
    `latency ms: min ${report.latencyMs.min}  p50 ${report.latencyMs.p50}  p90 ${report.latencyMs.p90}  p99 ${report.latencyMs.p99}  max ${report.latencyMs.max}`,
  );
  out(
    `failures: ${report.failures.total}${Object.entries(report.failures.byKind)
      .map(([kind, count]) => `  ${kind}: ${count}`)
      .join('')}`,
  );
  out(
    `status codes: ${
      Object.entries(report.statusCodes)
        .map(([code, count]) => `${code}: ${count}`)
        .join('  ') || 'none'
    }`,
  );
}

/** One line on a terminal's stderr, rewritten each second, for runs that take a while. */
function progressLine(seconds: number) {
  return {
    show: ({
      elapsedSeconds,
      requests,
      failures,
    }: {
      elapsedSeconds: number;
      requests: number;
      failures: number;
    }) =>
      process.stderr.write(
        `\r\u001b[2K${elapsedSeconds} s of ${seconds} s: ${requests} requests, ${failures} failed`,
      ),
    clear: () => process.stderr.write('\r\u001b[2K'),
  };
}

function failureThreshold(value: string): FailureThreshold {
  try {
    return parseFailureThreshold(value);
  } catch (error) {
    throw new InvalidArgumentError(
      (error as Error).message.replace('the failure threshold', '--max-failures'),
    );
  }
}

interface LoadFlags {
  concurrency: number;
  maxFailures: FailureThreshold;
  requests?: number;
  time?: number;
  method?: string;
  header: Record<string, string>;
  bodyFile?: string;
  data?: string;
  contentType?: string;
  json?: boolean;
}

function collectHeader(value: string, headers: Record<string, string>): Record<string, string> {
  const colon = value.indexOf(':');
  const name = value.slice(0, colon).trim();
  if (colon <= 0 || name === '')
    throw new UsageError(`-H "${value}" is not a header; write it as "Name: value", e.g. -H "Cookie: a=1"`);
  return { ...headers, [name]: value.slice(colon + 1).trim() };
}

function readBody(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the body file ${file}: ${(error as Error).message}`);
  }
}

export function processCommand(): Command {
  const kill = withTargetOptions(new Command('kill'))
    .description('send a signal to processes chosen by pid, pidfile, listening port or command-line pattern')
    .option('--signal <name|number>', 'signal to send: a name (SIGKILL, KILL) or a number (9)', 'SIGTERM')
    .option(
      '--count <n>',
      'kill this many times, choosing the processes again before each kill (a supervisor restarts them under new pids)',
    )
    .option(
      '--interval <duration>',
      'the wait between two kills of --count: 1.25s, 200ms, 2m or seconds (default 1s)',
    )
    .option('--dry-run', 'list the matching processes and signal nothing')
    .addHelpText(
      'after',
      example(
        "faultline process kill --match 'node server.js' --expect 1 --signal SIGKILL\n" +
          '  faultline process kill --pidfile api.pid --signal SIGKILL --count 6 --interval 1.25s',
      ),
    )
    .action(async (flags: TargetFlags & KillFlags) => {
      let signal: string;
      let plan: { count: number; intervalMs: number };
      try {
        signalNumber(flags.signal);
        signal = signalName(flags.signal);
        plan = killPlan(
          flags.count === undefined ? undefined : parseCount(flags.count, '--count'),
          flags.interval === undefined ? undefined : parseInterval(flags.interval, '--interval'),
          { count: '--count', interval: '--interval' },
        );
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      if (flags.count !== undefined) return killLoop(flags, signal, plan);
      const found = chooseTargets(flags, 'signalled');
      const line = (info: ProcessInfo) => `${info.pid} (${shortCommand(info.command)}) with ${signal}`;
      if (flags.dryRun) {
        for (const info of found) out(`would signal ${line(info)}`);
        return;
      }
      // A stopping signal is recorded as a pause, so rollback and halt resume the process.
      const kill = async (context: SystemContext) => {
        for (const info of found)
          await processOperations.kill!({ pid: info.pid, signal, force: flags.force === true }, context);
      };
      await withCliLedger(kill, {
        report: () => {
          for (const info of found) out(`signal ${line(info)}`);
        },
      });
    });

  const pause = withTargetOptions(new Command('pause'))
    .description(
      'stop processes with SIGSTOP; SIGCONT after --for seconds, on Ctrl-C, or by faultline rollback',
    )
    .option('--for <seconds>', 'resume after this long', seconds('--for'))
    .option('--dry-run', 'list the matching processes and pause nothing')
    .addHelpText('after', example('faultline process pause --port 8080 --expect 1 --for 10'))
    .action(async (flags: TargetFlags & { for?: number; dryRun?: boolean }) => {
      const found = chooseTargets(flags, 'paused');
      if (flags.dryRun) {
        for (const info of found) out(`would pause ${info.pid} (${shortCommand(info.command)})`);
        return;
      }
      const pause = async (context: SystemContext) => {
        for (const info of found)
          await processOperations.pause!({ pid: info.pid, force: flags.force === true }, context);
      };
      await withCliLedger(pause, {
        hold: holdFor(flags.for),
        report: () => {
          for (const info of found) out(`paused ${info.pid} (${shortCommand(info.command)})`);
        },
      });
    });

  const resume = withTargetOptions(new Command('resume'))
    .description('continue processes stopped with SIGSTOP')
    .addHelpText('after', example('faultline process resume --port 8080'))
    .action(async (flags: TargetFlags) => {
      const found = chooseTargets(flags, 'resumed');
      const resume = async (context: SystemContext) => {
        for (const info of found)
          await processOperations.resume!({ pid: info.pid, force: flags.force === true }, context);
      };
      await withCliLedger(resume, {
        report: () => {
          for (const info of found) out(`resumed ${info.pid} (${shortCommand(info.command)})`);
        },
      });
    });

  return new Command('process')
    .description('process faults')
    .addHelpText('after', example('faultline process kill --pidfile api.pid --expect 1 --signal SIGTERM'))
    .addCommand(kill)
    .addCommand(pause)
    .addCommand(resume);
}

interface KillFlags {
  signal: string;
  dryRun?: boolean;
  count?: string;
  interval?: string;
}

/**
 * `process kill --count N`: N rounds, each choosing the processes again and saying what it
 * signalled, or that nothing matched (the loop goes on: a supervisor may be between restarts).
 * Ctrl-C or SIGTERM ends the loop between or during rounds with what was done so far (exit 130 or
 * 143); a refusal in a round ends it, named with its round.
 */
async function killLoop(
  flags: TargetFlags & KillFlags,
  signal: string,
  plan: { count: number; intervalMs: number },
) {
  const args = targetArgs(flags);
  const of = `of ${plan.count}`;
  const describe = (info: ProcessInfo) => `${info.pid} (${shortCommand(info.command)})`;
  if (flags.dryRun) {
    const found = chooseTargets(flags, 'signalled');
    for (const info of found) out(`would signal ${describe(info)} with ${signal}`);
    out(
      `then ${plan.count - 1} more round(s), ${formatInterval(plan.intervalMs)} apart, each choosing the processes again`,
    );
    return;
  }
  const stop = stopOnSignals();
  let done = 0;
  let signalled = 0;
  const loop = (context: SystemContext) =>
    repeatRounds(plan.count, plan.intervalMs, stop.signal, async (round) => {
      let found: ProcessInfo[];
      try {
        found = await killRound(args, signal, context, { dryRun: false, later: round > 1, flag: targetFlag });
      } catch (error) {
        const before = done === 0 ? '' : `; ${done} round(s) before it signalled ${signalled} process(es)`;
        throw new UsageError(`round ${round} ${of}: ${(error as Error).message}${before}`);
      }
      done = round;
      signalled += found.length;
      if (found.length === 0)
        out(
          `round ${round} ${of}: no process matches ${selectorText(flags)}: nothing was signalled; the loop goes on`,
        );
      else out(`round ${round} ${of}: signal ${found.map(describe).join(', ')} with ${signal}`);
      return found;
    });
  try {
    await withCliLedger(loop, {
      report: ({ interrupted }) => {
        if (interrupted) {
          process.stderr.write(
            `faultline: interrupted after ${done} of ${plan.count} round(s): ${signalled} process(es) signalled\n`,
          );
          process.exitCode = stop.status;
        }
      },
    });
  } finally {
    stop.release();
  }
}

/** How the flags chose the processes, for messages: --pidfile "api.pid". */
function selectorText(flags: TargetFlags): string {
  const [key, value] = Object.entries(targetArgs(flags)).find(([name]) =>
    ['pid', 'port', 'match', 'pidfile'].includes(name),
  )!;
  return `${targetFlag(key)} ${JSON.stringify(value)}`;
}

/**
 * The processes the flags choose, or a usage error that says why none were touched. None at all
 * (allowed by --expect 0) is said, so an empty output is never the only answer.
 */
function chooseTargets(flags: TargetFlags, verb: string): ProcessInfo[] {
  let found: ProcessInfo[];
  try {
    found = resolveTargets(targetArgs(flags), verb, targetFlag, {
      warn: (message) => process.stderr.write(`faultline: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof UnsafeFile) throw error;
    throw new UsageError((error as Error).message);
  }
  if (found.length === 0) {
    const [key, value] = Object.entries(targetArgs(flags)).find(([name]) =>
      ['pid', 'port', 'match', 'pidfile'].includes(name),
    )!;
    out(
      `no process matches ${targetFlag(key)} ${JSON.stringify(value)}, as --expect 0 allows: nothing was ${verb}`,
    );
  }
  return found;
}

export function syscallCommand(): Command {
  const inject = new Command('inject')
    .description('run COMMAND with a system call failing (strace -e inject), and report what was injected')
    .requiredOption('--syscall <name>', 'system call, e.g. write, openat, connect')
    .option('--error <errno>', 'error to return, e.g. EIO, ENOSPC, EACCES (this, --delay-ms or both)')
    .option('--delay-ms <ms>', 'hold each matching call this long first', integer('--delay-ms', 1, 60_000))
    .option('--when <spec>', 'which calls, as strace takes it: N, N+, N+S, N..M (default every call)')
    .option('--json', 'print the report as JSON')
    .argument('<command...>', "the command and its arguments (options after it are the command's)")
    .passThroughOptions()
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  faultline syscall inject --syscall write --error EIO --when 2+ -- sh -c "echo a; echo b"\n' +
        '  faultline syscall inject --syscall fsync --delay-ms 200 -- node server.js\n',
    )
    .action(
      async (
        command: string[],
        flags: { syscall: string; error?: string; delayMs?: number; when?: string; json?: boolean },
      ) => {
        if (flags.error === undefined && flags.delayMs === undefined)
          throw new UsageError(
            'syscall inject needs --error ERRNO (such as EIO), --delay-ms MS, or both: nothing was started',
          );
        const problem = whyNotRunnable(command[0]!);
        if (problem !== undefined)
          throw new UsageError(`cannot run ${command.join(' ')}: ${problem}; nothing was started`);
        const stop = new AbortController();
        const received: NodeJS.Signals[] = [];
        const onSignal = (signal: NodeJS.Signals) => {
          received.push(signal);
          stop.abort();
        };
        process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
        try {
          await withCliLedger(
            (context) =>
              injectRecorded(
                {
                  syscall: flags.syscall,
                  command,
                  ...(flags.error ? { error: flags.error } : {}),
                  ...(flags.delayMs ? { delayEnterMs: flags.delayMs } : {}),
                  ...(flags.when ? { when: flags.when } : {}),
                },
                context,
                stop.signal,
              ),
            { report: (report) => reportInjection(report, flags, received[0]) },
          );
        } finally {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        }
      },
    );
  const attach = withTargetOptions(new Command('attach'))
    .description('attach strace to a running process and inject a fault for --for seconds, then detach')
    .requiredOption('--syscall <name>', 'system call, e.g. write, pwrite64, close')
    .option('--error <errno>', 'error to return, e.g. EIO')
    .option('--delay-ms <ms>', 'hold each matching call this long first', integer('--delay-ms', 1, 60_000))
    .option('--when <spec>', 'which calls: N, N+, N+S, N..M (default every call)')
    .requiredOption('--for <seconds>', 'how long to stay attached', seconds('--for'))
    .option('--json', 'print the injected calls as JSON')
    .addHelpText(
      'after',
      example('faultline syscall attach --port 8080 --syscall pwrite64 --error EIO --when 1+2 --for 30'),
    )
    .action(
      async (
        flags: TargetFlags & {
          syscall: string;
          error?: string;
          delayMs?: number;
          when?: string;
          for: number;
          json?: boolean;
        },
      ) => {
        let target: ProcessInfo;
        try {
          target = onlyOne(chooseTargets(flags, 'traced'), 'attach needs exactly one process');
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        const fault: SyscallFault = {
          syscall: flags.syscall,
          ...(flags.error ? { error: flags.error } : {}),
          ...(flags.delayMs ? { delayEnterMs: flags.delayMs } : {}),
          ...(flags.when ? { when: flags.when } : {}),
        };
        const attach = async (context: SystemContext) => {
          try {
            return await attachRecorded(target.pid, fault, flags.for, context);
          } catch (error) {
            if (error instanceof MissingCapability || error instanceof BadInput) throw error;
            // strace was started and could not attach: a failure, not bad input.
            throw new Error((error as Error).message);
          }
        };
        await withCliLedger(attach, {
          report: () =>
            process.stderr.write(
              `faultline: strace attached to ${target.pid} (${shortCommand(target.command)}); detaching in ${flags.for} s\n`,
            ),
          hold: async (attached, interrupted) => {
            // strace ends by itself at --for (timeout(1)), or before when the process exits.
            const straceEnded = new AbortController();
            void attached.ended.then(() => straceEnded.abort());
            await holdUntil(flags.for, AbortSignal.any([interrupted, straceEnded.signal]));
            const state = processState(target.pid);
            const exited = straceEnded.signal.aborted && (state === undefined || state === 'Z');
            const injected = await attached.detach();
            const calls = attached.callsSeen;
            if (flags.json) out(JSON.stringify({ target: target.pid, calls, injected }, null, 2));
            else for (const { pid, call } of injected) process.stderr.write(`  [${pid}] ${call}\n`);
            const nothing =
              injected.length === 0 ? ` (${nothingInjectedHint(fault, calls, target.pid)})` : '';
            const count = `${injected.length} ${flags.syscall} call(s)${nothing}`;
            if (interrupted.aborted) return `interrupted; detached after injecting into ${count}`;
            return exited
              ? `process ${target.pid} exited while strace was attached; strace ended with it after injecting into ${count}`
              : `done; detached after injecting into ${count}`;
          },
        });
      },
    );
  return new Command('syscall')
    .enablePositionalOptions()
    .description('system call faults')
    .addHelpText(
      'after',
      example('faultline syscall attach --port 8080 --syscall pwrite64 --error EIO --when 1+2 --for 30'),
    )
    .addCommand(inject)
    .addCommand(attach);
}

/** What was done to each injected call, as the report says it. */
function injectedWhat(flags: { error?: string; delayMs?: number }): string {
  const held = flags.delayMs === undefined ? undefined : `held ${flags.delayMs} ms`;
  if (flags.error === undefined) return held!;
  return held === undefined ? `failed with ${flags.error}` : `${held}, then failed with ${flags.error}`;
}

/**
 * What `syscall inject` prints, and the status it exits with: the command's, or 128 + the signal
 * that ended it or that ended faultline's wait (130 for SIGINT, 143 for SIGTERM).
 */
function reportInjection(
  report: SyscallReport & { interrupted: boolean },
  flags: { syscall: string; error?: string; delayMs?: number; json?: boolean },
  interruptedBy: NodeJS.Signals | undefined,
) {
  if (flags.json) out(JSON.stringify(report, null, 2));
  else {
    const ended = interruptedBy
      ? `faultline got ${interruptedBy} and stopped strace, which passed SIGTERM on to the command`
      : `the command ${describeExit(report.exitCode, report.signal as NodeJS.Signals | null)}`;
    process.stderr.write(
      `faultline: ${report.injected.length} ${flags.syscall} call(s) ${injectedWhat(flags)}; ${ended}\n`,
    );
    for (const { pid, call } of report.injected) process.stderr.write(`  [${pid}] ${call}\n`);
  }
  const signal = interruptedBy ?? (report.signal as NodeJS.Signals | null);
  process.exitCode = signal ? 128 + signalNumber(signal) : (report.exitCode ?? 1);
}
