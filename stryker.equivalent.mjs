// Equivalent mutants: code where every mutant Stryker makes behaves exactly like the original, so
// no test can tell them apart. Stryker's ignore-plugin format, kept apart from src/ so the source
// carries no tool comments. Each entry names a file, the exact source of the expression or
// statement, and why its mutants are equivalent. Ignored mutants are shown as "Ignored" with the
// reason in the report and do not count in the score.
//
// Add an entry only for a mutant that cannot be killed; a mutant that a test could kill needs a test.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** @type {Array<{ file: string; code: string; reason: string }>} */
export const equivalentMutants = [
  {
    file: 'src/proxy/chunk-queue.ts',
    code: 'this.head > 1024 && this.head * 2 > this.items.length',
    reason:
      'when to compact the consumed prefix is a memory matter only: compacting keeps the remaining chunks and their order, so compacting earlier, later, always or never returns the same chunks',
  },
];

/** @param {{ node: { type: string }, hub?: { file?: { opts?: { filename?: string }, code?: string } }, getSource(): string }} path */
function shouldIgnore(path) {
  const filename = path.hub?.file?.opts?.filename;
  if (filename === undefined) return undefined;
  const normalized = filename.replaceAll('\\', '/');
  for (const entry of equivalentMutants) {
    if (!normalized.endsWith(`/${entry.file}`)) continue;
    if (path.getSource() === entry.code) return `equivalent: ${entry.reason}`;
  }
  return undefined;
}

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'equivalent', { shouldIgnore })];
