import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { sampleUse, type UseReport } from '../system/use-probes.js';
import { formatBytes } from '../system/units.js';
import { whenStdoutCloses } from './closed-output.js';
import { example, out, UsageError } from './context.js';
import { integer } from './integer-option.js';

const header =
  'cpu% usr  sys  wa   run blk  mem%  avail      swap-in/s swap-out/s  disk%  rx KB/s  tx KB/s  retrans/s  psi-cpu psi-mem psi-io';

function line(report: UseReport): string {
  const disk = Math.max(0, ...report.disk.map((device) => device.utilPercent));
  const rx = report.network.reduce((sum, face) => sum + face.rxKBPerSecond, 0);
  const tx = report.network.reduce((sum, face) => sum + face.txKBPerSecond, 0);
  const cells = [
    report.cpu.busyPercent.toFixed(0).padStart(4),
    report.cpu.userPercent.toFixed(0).padStart(4),
    report.cpu.systemPercent.toFixed(0).padStart(4),
    report.cpu.iowaitPercent.toFixed(0).padStart(4),
    String(report.cpu.runnable).padStart(4),
    String(report.cpu.blocked).padStart(3),
    report.memory.usedPercent.toFixed(1).padStart(5),
    formatBytes(report.memory.availableBytes).padStart(10),
    report.memory.swapInPagesPerSecond.toFixed(0).padStart(9),
    report.memory.swapOutPagesPerSecond.toFixed(0).padStart(10),
    disk.toFixed(0).padStart(6),
    rx.toFixed(1).padStart(8),
    tx.toFixed(1).padStart(8),
    report.tcp.retransmitsPerSecond.toFixed(1).padStart(10),
    (report.pressure.cpu?.someAvg10 ?? 0).toFixed(2).padStart(8),
    (report.pressure.memory?.someAvg10 ?? 0).toFixed(2).padStart(7),
    (report.pressure.io?.someAvg10 ?? 0).toFixed(2).padStart(6),
  ];
  const process = report.process
    ? `  pid ${report.process.pid} ${report.process.command}: ${report.process.cpuPercent}% cpu${report.process.cpuWaitPercent === undefined ? '' : `, ${report.process.cpuWaitPercent}% waiting for a cpu`}, ${formatBytes(report.process.rssBytes)} rss`
    : '';
  return cells.join(' ') + process;
}

export function observeCommand(): Command {
  return new Command('observe')
    .description(
      'USE-method readings from /proc, like vmstat: CPU, memory, disk, network, TCP retransmits, pressure',
    )
    .option('-i, --interval <seconds>', 'seconds between readings', integer('--interval', 1, 3600), 1)
    .option('-c, --count <n>', 'how many readings', integer('--count', 1, 86_400), 5)
    .option(
      '--pid <pid>',
      'also report this process: CPU%, run-queue wait% and RSS',
      integer('--pid', 1, 2 ** 22),
    )
    .option('--json', 'one JSON report per line')
    .addHelpText('after', example('faultline observe -i 1 -c 10 --pid 4242'))
    .action(async (flags: { interval: number; count: number; pid?: number; json?: boolean }) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      const unsubscribe = whenStdoutCloses(onSignal);
      if (flags.pid !== undefined && !existsSync(`/proc/${flags.pid}/stat`)) {
        throw new UsageError(
          `there is no process ${flags.pid} (no /proc/${flags.pid}); give the pid of a running process`,
        );
      }
      try {
        if (!flags.json) out(header);
        for (let index = 0; index < flags.count && !stop.signal.aborted; index += 1) {
          const report = await sampleUse({
            seconds: flags.interval,
            signal: stop.signal,
            ...(flags.pid === undefined ? {} : { pid: flags.pid }),
          }).catch((error: Error) => {
            if (stop.signal.aborted) return undefined;
            if (flags.pid !== undefined && !existsSync(`/proc/${flags.pid}/stat`)) return 'exited' as const;
            throw new UsageError(error.message);
          });
          if (report === 'exited') {
            // Not bad input (exit 2): the process was there, and ended while it was observed.
            process.stderr.write(
              `faultline: process ${flags.pid} exited; ${index} of ${flags.count} reading(s) taken\n`,
            );
            break;
          }
          if (report) out(flags.json ? JSON.stringify(report) : line(report));
        }
      } finally {
        process.off('SIGINT', onSignal);
        unsubscribe();
      }
    });
}
