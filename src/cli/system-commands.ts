import { Command } from 'commander';
import { runLoad } from '../system/load.js';
import { findProcesses, type ProcessSelector, signalName, signalNumber } from '../system/processes.js';
import { injectSyscall } from '../system/strace.js';
import { example, out, UsageError } from './context.js';
import { integer } from './server-command.js';

export function loadCommand(): Command {
  return new Command('load')
    .description('HTTP load in the spirit of ab: requests per second, latency percentiles, failures by kind')
    .argument('<url>', 'what to load, e.g. http://127.0.0.1:8080/')
    .requiredOption('-c, --concurrency <n>', 'requests in flight at once', integer('-c', 1, 10_000))
    .option('-n, --requests <n>', 'stop after this many requests', integer('-n', 1, 10_000_000))
    .option('-t, --time <seconds>', 'stop after this many seconds', integer('-t', 1, 3600))
    .option('-m, --method <method>', 'HTTP method', 'GET')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', example('faultline load http://127.0.0.1:8080/ -c 10 -t 30 --json'))
    .action(
      async (
        url: string,
        flags: { concurrency: number; requests?: number; time?: number; method: string; json?: boolean },
      ) => {
        if (flags.requests === undefined && flags.time === undefined)
          throw new UsageError('give -n REQUESTS or -t SECONDS, so the load stops by itself');
        try {
          new URL(url);
        } catch {
          throw new UsageError(`"${url}" is not a URL; for example http://127.0.0.1:8080/`);
        }
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        const report = await runLoad({
          url,
          concurrency: flags.concurrency,
          method: flags.method,
          signal: controller.signal,
          ...(flags.requests === undefined ? {} : { requests: flags.requests }),
          ...(flags.time === undefined ? {} : { seconds: flags.time }),
        });
        if (flags.json) return out(JSON.stringify(report, null, 2));
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
      },
    );
}

export function processCommand(): Command {
  const kill = new Command('kill')
    .description('send a signal to processes chosen by pid, listening port or command-line pattern')
    .option('--pid <pid>', 'this process', integer('--pid', 1, 2 ** 22))
    .option('--port <port>', 'the processes listening on this TCP port', integer('--port', 1, 65535))
    .option('--match <regex>', 'processes whose command line matches')
    .option('--signal <name>', 'signal to send', 'SIGTERM')
    .option(
      '--expect <n>',
      'refuse unless exactly this many processes match',
      integer('--expect', 0, 100_000),
    )
    .option('--dry-run', 'list the matching processes and kill nothing')
    .addHelpText(
      'after',
      example("faultline process kill --match 'node server.js' --expect 1 --signal SIGKILL"),
    )
    .action(
      (flags: {
        pid?: number;
        port?: number;
        match?: string;
        signal: string;
        expect?: number;
        dryRun?: boolean;
      }) => {
        const given = [flags.pid, flags.port, flags.match].filter((value) => value !== undefined);
        if (given.length !== 1)
          throw new UsageError('choose the processes with exactly one of --pid, --port or --match');
        let signal: number;
        try {
          signal = signalNumber(flags.signal);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        const selector: ProcessSelector =
          flags.pid !== undefined
            ? { pid: flags.pid }
            : flags.port !== undefined
              ? { port: flags.port }
              : { match: flags.match! };
        const found = findProcesses(selector);
        for (const info of found)
          out(
            `${flags.dryRun ? 'would signal' : 'signal'} ${info.pid} (${info.command}) with ${signalName(flags.signal)}`,
          );
        if (found.length === 0) out('no process matches');
        if (flags.expect !== undefined && found.length !== flags.expect) {
          throw new UsageError(
            `${found.length} processes match but --expect ${flags.expect}: nothing was signalled`,
          );
        }
        if (flags.dryRun) return;
        for (const info of found) process.kill(info.pid, signal);
      },
    );
  return new Command('process').description('process faults').addCommand(kill);
}

export function syscallCommand(): Command {
  const inject = new Command('inject')
    .description('run COMMAND with a system call failing (strace -e inject), and report what was injected')
    .requiredOption('--syscall <name>', 'system call, e.g. write, openat, connect')
    .requiredOption('--error <errno>', 'error to return, e.g. EIO, ENOSPC, EACCES')
    .option('--when <spec>', 'which calls, as strace takes it: N, N+, N+S, N..M (default every call)')
    .option('--json', 'print the report as JSON')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText(
      'after',
      example('faultline syscall inject --syscall write --error EIO --when 2+ -- sh -c "echo a; echo b"'),
    )
    .action(
      async (command: string[], flags: { syscall: string; error: string; when?: string; json?: boolean }) => {
        let report;
        try {
          report = await injectSyscall({
            syscall: flags.syscall,
            error: flags.error,
            command,
            ...(flags.when ? { when: flags.when } : {}),
          });
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        if (flags.json) out(JSON.stringify(report, null, 2));
        else {
          process.stderr.write(
            `faultline: ${report.injected.length} ${flags.syscall} call(s) failed with ${flags.error}; the command exited with ${report.signal ?? report.exitCode}\n`,
          );
          for (const { pid, call } of report.injected) process.stderr.write(`  [${pid}] ${call}\n`);
        }
        process.exitCode = report.exitCode ?? 1;
      },
    );
  return new Command('syscall').description('system call faults').addCommand(inject);
}
