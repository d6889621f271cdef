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
      const missing = missingJournalParts(journal);
      if (missing.length > 0) {
        throw new UsageError(
          `${path} is not a journal: it has no ${missing.join(', ')} (a journal from faultline run or chaos run has experiment, start, duration, steady_states, run and rollbacks)`,
        );
      }
      const format = options.format ?? formatOfOutput(options.output);
      const report = format === 'html' ? htmlReport(journal) : markdownReport(journal);
      if (!options.output) return void process.stdout.write(report);
      try {
        await writePrivateFile(options.output, report);
      } catch (error) {
        throw new UsageError(
          `cannot write the report to -o ${options.output}: ${(error as Error).message}; name a file in a directory that exists and that you may write to`,
        );
      }
    });
}

/**
 * The format `-o`'s extension names: .html or .htm is HTML; .md, .markdown or none is Markdown.
 * Any other (report.pdf, report.txt) promises what neither is, so it is refused before a journal
 * is turned into a file whose name says otherwise.
 */
function formatOfOutput(output: string | undefined): 'html' | 'md' {
  const extension = output === undefined ? '' : extname(output).toLowerCase();
  if (extension === '.html' || extension === '.htm') return 'html';
  if (extension === '' || extension === '.md' || extension === '.markdown') return 'md';
  throw new UsageError(
    `-o ${output}: a report is HTML or Markdown, and "${extname(output!)}" is neither; name the file .html or .md, or give --format html or --format md`,
  );
}

const isObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The parts of a journal a report reads, named when they are absent or of the wrong kind. */
function missingJournalParts(journal: unknown): string[] {
  if (!isObject(journal)) return ['experiment', 'start', 'duration', 'steady_states', 'run', 'rollbacks'];
  const parts = journal as Record<string, unknown>;
  return [
    ...(isObject(parts.experiment) ? [] : ['experiment (an object)']),
    ...(typeof parts.start === 'string' ? [] : ['start (a time)']),
    ...(typeof parts.duration === 'number' ? [] : ['duration (a number of seconds)']),
    ...(isObject(parts.steady_states) ? [] : ['steady_states (an object)']),
    ...(Array.isArray(parts.run) ? [] : ['run (a list)']),
    ...(Array.isArray(parts.rollbacks) ? [] : ['rollbacks (a list)']),
  ];
}
