import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import type { Journal } from '../experiment/journal.js';
import { htmlReport } from '../experiment/report/html.js';
import { markdownReport } from '../experiment/report/markdown.js';
import { writePrivateFile } from '../experiment/private-file.js';
import { example, UsageError } from './context.js';

export function reportCommand(): Command {
  return new Command('report')
    .description('turn a journal into a self-contained HTML report or a Markdown one')
    .argument('<journal>', 'journal.json written by "faultline run" (or "chaos run")')
    .addOption(
      new Option('--format <format>', 'html or md (default: from -o, else md)').choices(['html', 'md']),
    )
    .option('-o, --output <file>', 'write the report here instead of to stdout')
    .addHelpText('after', example('faultline report journal.json -o report.html'))
    .action(async (path: string, options: { format?: 'html' | 'md'; output?: string }) => {
      let journal: Journal;
      try {
        journal = JSON.parse(await readFile(path, 'utf8')) as Journal;
      } catch (error) {
        throw new UsageError(`cannot read journal ${path}: ${(error as Error).message}`);
      }
      if (
        !journal ||
        typeof journal !== 'object' ||
        !('steady_states' in journal) ||
        !Array.isArray(journal.run)
      ) {
        throw new UsageError(`${path} is not a journal: it has no steady_states or run`);
      }
      const format =
        options.format ?? (options.output && extname(options.output) === '.html' ? 'html' : 'md');
      const report = format === 'html' ? htmlReport(journal) : markdownReport(journal);
      if (options.output) await writePrivateFile(options.output, report);
      else process.stdout.write(report);
    });
}
