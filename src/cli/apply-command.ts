import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import type { FaultlineClient } from '../client/index.js';
import { loadConfigFile } from '../config/config-file.js';
import { type Change, createProxyBody, createToxicBody, planApply } from './apply-plan.js';
import { clientFor, out, UsageError, withServerUrl } from './context.js';
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
      const changes = planApply(await client.proxies(), wanted, options.prune === true);
      if (changes.length === 0) return out(`no changes: the server matches ${safe(file)}`);
      for (const change of changes) {
        if (!options.dryRun) await execute(client, change);
        out(safe(change.line));
      }
      if (options.dryRun) out(`(dry run: ${changes.length} changes not made)`);
    });
}

async function execute(client: FaultlineClient, change: Change): Promise<void> {
  switch (change.kind) {
    case 'create-proxy': {
      const { spec } = change;
      const created = await client.createProxy(createProxyBody(spec));
      // A Toxiproxy server ignores toxics in a create; add whatever did not arrive.
      const present = new Set(created.toxics.map((toxic) => toxic.name));
      for (const toxic of spec.toxics ?? [])
        if (!present.has(toxic.name)) await client.addToxic(spec.name, createToxicBody(toxic));
      return;
    }
    case 'update-proxy':
      await client.updateProxy(change.name, change.body);
      return;
    case 'delete-proxy':
      return client.deleteProxy(change.name);
    case 'add-toxic':
      await client.addToxic(change.proxy, createToxicBody(change.toxic));
      return;
    case 'update-toxic':
      await client.updateToxic(change.proxy, change.name, change.body);
      return;
    case 'remove-toxic':
      return client.removeToxic(change.proxy, change.name);
  }
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
      const proxies = Object.values(await clientFor(command).proxies()).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      const document = {
        proxies: proxies.map(
          ({
            name,
            listen,
            upstream,
            enabled,
            protocol,
            header_faults,
            idle_timeout,
            tls,
            upstream_tls,
            toxics,
          }) => ({
            name,
            listen,
            upstream,
            enabled,
            ...(protocol === undefined ? {} : { protocol }),
            ...(header_faults === undefined ? {} : { header_faults }),
            ...(idle_timeout === undefined ? {} : { idle_timeout }),
            // Private keys come back "[redacted]": apply of this file keeps the server's.
            ...(tls === undefined ? {} : { tls }),
            ...(upstream_tls === undefined ? {} : { upstream_tls }),
            toxics: toxics.map(({ name: toxicName, type, stream, toxicity, attributes }) => ({
              name: toxicName,
              type,
              stream,
              toxicity,
              attributes,
            })),
          }),
        ),
      };
      process.stdout.write(json ? `${safeJson(document)}\n` : yamlOf(document));
    });
}

/**
 * YAML escapes C0 controls by itself; a string holding DEL, a C1 control or a bidi override is
 * double-quoted and escaped too, so the export can be printed on a terminal and still read back.
 */
function yamlOf(document: unknown): string {
  if (!holdsUnsafeText(document)) return stringify(document);
  return stringify(document, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'QUOTE_DOUBLE' }).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (character) => {
      const code = character.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16)}` : `\\u${code.toString(16)}`;
    },
  );
}
