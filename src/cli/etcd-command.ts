import { closeSync } from 'node:fs';
import { Command } from 'commander';
import { openAppendOnly } from '../experiment/private-file.js';
import { runWriter } from '../system/etcd-writer.js';
import { etcdOperations } from '../system/operations/etcd-operations.js';
import { example, out } from './context.js';
import { directContext, holdUntil } from './system-action.js';
import { seconds } from './target-options.js';

export function etcdCommand(): Command {
  const writer = new Command('writer')
    .description('write sequence-numbered keys one at a time and log every attempt, for lost-write checks')
    .requiredOption('--endpoints <list>', 'comma-separated client URLs, e.g. http://127.0.0.1:2379')
    .requiredOption('--log <file>', 'one JSON line per attempt')
    .requiredOption('-t, --time <seconds>', 'how long to write', seconds('-t'))
    .option('--prefix <prefix>', 'key prefix', 'faultline/writer/')
    .addHelpText(
      'after',
      example('faultline etcd writer --endpoints http://127.0.0.1:2379 --log writes.jsonl -t 300'),
    )
    .action(async (flags: { endpoints: string; log: string; time: number; prefix: string }) => {
      // Never through a link or into another name of a file: a root writer's log is often in /tmp.
      const log = openAppendOnly(flags.log, '--log');
      const stop = new AbortController();
      void holdUntil(undefined, stop.signal).then(() => stop.abort());
      const result = await runWriter({
        endpoints: flags.endpoints.split(','),
        prefix: flags.prefix,
        log,
        seconds: flags.time,
        signal: stop.signal,
      }).finally(() => closeSync(log));
      stop.abort();
      out(`${result.acknowledged} of ${result.attempts} writes acknowledged`);
      // Nothing acknowledged is nothing measured: a script must not read it as a clean run.
      if (result.acknowledged === 0) {
        const last = result.lastError === undefined ? '' : ` (the last: ${result.lastError})`;
        process.stderr.write(
          `faultline: no write was acknowledged${last}, so nothing was measured; check the endpoints (client URLs such as http://127.0.0.1:2379) and that the cluster has a leader\n`,
        );
        process.exitCode = 1;
      }
    });
  const status = new Command('status')
    .description("each member's view: leader, term, errors")
    .requiredOption('--endpoints <list>', 'comma-separated client URLs')
    .addHelpText(
      'after',
      example('faultline etcd status --endpoints http://127.0.0.1:2379,http://127.0.0.1:22379'),
    )
    .action(async (flags: { endpoints: string }) => {
      const status = (await etcdOperations.status!(
        { endpoints: flags.endpoints.split(',') },
        directContext(),
      )) as { members: Array<{ ok: boolean }> };
      out(JSON.stringify(status, null, 2));
      // One member down is what a chaos experiment looks at; none answering is no status at all.
      if (status.members.every((member) => !member.ok)) {
        process.stderr.write(
          `faultline: no etcd member answered at ${flags.endpoints}; check the endpoints (client URLs such as http://127.0.0.1:2379) and that etcd runs there\n`,
        );
        process.exitCode = 1;
      }
    });
  return new Command('etcd')
    .description('etcd probes: member status and a lost-write checker')
    .addHelpText('after', example('faultline etcd status --endpoints http://127.0.0.1:2379'))
    .addCommand(status)
    .addCommand(writer);
}
