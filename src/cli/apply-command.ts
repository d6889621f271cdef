import { unchecked, uncheckedProxy } from '../model/toxic-body.js';
import { Command, Option } from 'commander';
import { Document, Scalar, visit } from 'yaml';
import type { FaultlineClient } from '../client/index.js';
import { FaultlineApiError } from '../client/errors.js';
import { loadConfigFile } from '../config/config-file.js';
import type { ProxyJson, ToxicJson } from '../model/wire.js';
import { checkCredentials } from './apply-check.js';
import { appliedSummary } from './apply-summary.js';
import { dryRunWarnings } from './apply-warnings.js';
import { byName } from './name-order.js';
import { type Change, changeLines, createProxyBody, createToxicBody, planApply } from './apply-plan.js';
import {
  type Undo,
  undoAddToxic,
  undoCreate,
  undoDelete,
  undoRemoveToxic,
  undoUpdate,
  undoUpdateToxic,
} from './apply-undo.js';
import { clientFor, out, printServerWarning, UsageError, withServerUrl } from './context.js';
import { proxyBody } from '../model/proxy-body.js';
import { holdsUnsafeText, safe, safeJson } from './terminal-text.js';

export function applyCommand(): Command {
  return withServerUrl(new Command('apply'))
    .description('make the server match a file of proxies and toxics (YAML or JSON), printing what changed')
    .argument('<file>', 'proxies as written by "faultline export" or a Toxiproxy config file')
    .option('--prune', 'also delete proxies the file does not name')
    .option('--dry-run', 'print what would change, change nothing')
    .addHelpText(
      'after',
      '\nExample:\n  faultline export > chaos.yaml && faultline apply chaos.yaml --dry-run\n',
    )
    .action(async (file: string, options: { prune?: boolean; dryRun?: boolean }, command: Command) => {
      const wanted = await loadConfigFile(file);
      const client = clientFor(command);
      const current = await client.proxies();
      const changes = planApply(current, wanted, options.prune === true);
      if (changes.length === 0) return out(`no changes: the server matches ${safe(file)}`);
      checkCredentials(changes, file);
      if (options.dryRun) {
        // A created proxy's toxics are changes of their own, printed and counted one a line.
        const lines = changes.flatMap(changeLines);
        for (const line of lines) out(safe(line));
        for (const warning of await dryRunWarnings(changes, current)) printServerWarning(warning);
        return out(`(dry run: ${count(lines.length, 'change')} not made)`);
      }
      const undos: Undo[] = [];
      for (const change of changes) {
        try {
          await execute(client, change, current, undos);
        } catch (error) {
          throw await rollBack(client, change, error, undos);
        }
        printChange(change);
      }
      const made = changes.flatMap(changeLines).length;
      out(`(${count(made, 'change')} made: ${appliedSummary(changes)})`);
    });
}

function printChange(change: Change): void {
  for (const line of changeLines(change)) out(safe(line));
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Makes one change, recording how to take back each server call that succeeded, so a failure
 * part-way leaves nothing of this apply behind.
 */
async function execute(
  client: FaultlineClient,
  change: Change,
  current: Record<string, ProxyJson>,
  undos: Undo[],
): Promise<void> {
  switch (change.kind) {
    case 'create-proxy': {
      const { spec } = change;
      const created = await client.createProxy(uncheckedProxy(createProxyBody(spec)), {
        onWarning: printServerWarning,
      });
      undos.push(undoCreate(spec.name));
      // A Toxiproxy server ignores toxics in a create; add whatever did not arrive.
      const present = new Set(created.toxics.map((toxic) => toxic.name));
      for (const toxic of spec.toxics ?? [])
        if (!present.has(toxic.name)) await client.addToxic(spec.name, unchecked(createToxicBody(toxic)));
      return;
    }
    case 'update-proxy':
      await client.updateProxy(change.name, change.body, { onWarning: printServerWarning });
      undos.push(undoUpdate(current[change.name]!, change.body));
      return;
    case 'delete-proxy':
      await client.deleteProxy(change.name);
      undos.push(undoDelete(current[change.name]!));
      return;
    case 'add-toxic':
      await client.addToxic(change.proxy, unchecked(createToxicBody(change.toxic)));
      undos.push(undoAddToxic(change.proxy, change.toxic.name));
      return;
    case 'update-toxic':
      await client.updateToxic(change.proxy, change.name, change.body);
      undos.push(undoUpdateToxic(change.proxy, toxicBefore(current, change.proxy, change.name)));
      return;
    case 'remove-toxic':
      await client.removeToxic(change.proxy, change.name);
      undos.push(undoRemoveToxic(change.proxy, toxicBefore(current, change.proxy, change.name)));
      return;
  }
}

function toxicBefore(current: Record<string, ProxyJson>, proxy: string, name: string): ToxicJson {
  return current[proxy]!.toxics.find((toxic) => toxic.name === name)!;
}

/** Takes back what this apply changed, newest first, and says what failed and what is left. */
async function rollBack(
  client: FaultlineClient,
  failed: Change,
  error: unknown,
  undos: readonly Undo[],
): Promise<Error> {
  const problems: string[] = [];
  for (const undo of [...undos].reverse()) {
    if (undo.lost) problems.push(undo.lost);
    try {
      await undo.run(client);
    } catch (undoError) {
      problems.push(`could not ${undo.what}: ${(undoError as Error).message}`);
    }
  }
  // The server's words may hold anything: each line of them is escaped for the terminal.
  const said = error instanceof FaultlineApiError ? error.reason : (error as Error).message;
  const message = safe(said);
  const hint = (error as { hint?: unknown }).hint;
  const reason =
    typeof hint === 'string' && hint !== '' && !said.includes(hint) ? `${message}\n${safe(hint)}` : message;
  const outcome =
    problems.length > 0
      ? `undid what it could of the ${count(undos.length, 'step')} made before it, but:\n${problems.map((problem) => `  ${safe(problem)}`).join('\n')}`
      : undos.length === 0
        ? 'nothing had been changed, so nothing was left changed'
        : `undid the ${count(undos.length, 'step')} made before it: nothing was left changed`;
  return new ApplyFailed(`apply stopped at "${safe(changeLines(failed)[0])}": ${reason}\n${outcome}`);
}

/** A real apply that failed part-way; its message says what was undone. */
class ApplyFailed extends Error {
  override readonly name = 'ApplyFailed';
}

export function exportCommand(): Command {
  return withServerUrl(new Command('export'))
    .description('print every proxy and its toxics in the format "faultline apply" reads')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--json', 'print JSON (the same as --format json)')
    .addHelpText(
      'after',
      '\nExample:\n  faultline export --json > proxies.json && faultline apply proxies.json\n',
    )
    .action(async (options: { format: 'yaml' | 'json'; json?: boolean }, command: Command) => {
      if (options.json && command.getOptionValueSource('format') === 'cli' && options.format !== 'json')
        throw new UsageError(`--json and --format ${options.format} contradict each other; give one`);
      const json = options.json === true || options.format === 'json';
      const proxies = Object.values(await clientFor(command).proxies()).sort(byName);
      const document = { proxies: proxies.map(proxyBody) };
      process.stdout.write(json ? `${safeJson(document)}\n` : yamlOf(document));
    });
}

/**
 * Plain keys, and multi-line strings (certificates) as `|` literal blocks, each line as it is.
 * Only a string holding a character the terminal would act on (a control other than the line
 * break, DEL, C1, a bidi override) is double-quoted, with that character escaped, so the export
 * can be printed on a terminal and still read back.
 */
function yamlOf(value: unknown): string {
  const document = new Document(value);
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (holdsUnsafeText(node.value.replaceAll('\n', ''))) node.type = Scalar.QUOTE_DOUBLE;
      else if (node.value.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
    },
  });
  return document
    .toString({ lineWidth: 0 })
    .replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (character) => {
      const code = character.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16)}` : `\\u${code.toString(16)}`;
    });
}
