import { unchecked } from '../model/toxic-body.js';
import { Command, Option } from 'commander';
import { clientFor, collectAttribute, example, out, UsageError, withServerUrl } from './context.js';
import { type TargetingFlags, targetingAttributes, targetingOptions } from './match-option.js';
import type { JsonValue } from '../model/toxics/index.js';
import { safe } from './terminal-text.js';
import { decimalNumber } from '../model/decimal-number.js';

function toxicity(value: string): number {
  const number = decimalNumber(value);
  if (number === undefined || number < 0 || number > 1) {
    throw new UsageError(
      `toxicity should be a float between 0 and 1, received "${value}".${asFraction(value)}`,
    );
  }
  return number;
}

/** A percentage, as tc and dashboards write chances, as the fraction toxicity takes. */
function asFraction(value: string): string {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)?.[1];
  if (percent === undefined || Number(percent) > 100) return '';
  return ` ${percent}% is --toxicity ${Number(percent) / 100}.`;
}

const toxicityOption = () =>
  new Option(
    '-x, --toxicity <probability>',
    "chance (0 to 1) that the toxic applies to a connection (to a request, for HTTP toxics); also --tox, and toxiproxy-cli's -tox",
  ).argParser(toxicity);
const attributeOption = () =>
  new Option('-a, --attribute <key=value>', 'a toxic attribute; repeat for more').argParser(collectAttribute);

interface ToxicFlags extends TargetingFlags {
  type?: string;
  toxicName?: string;
  toxicity?: number;
  attribute?: Record<string, unknown>;
  upstream?: boolean;
  downstream?: boolean;
}

/** Adds --match, --first, --after and --every. */
function withTargeting(command: Command): Command {
  for (const option of targetingOptions()) command.addOption(option);
  return command;
}

function addCommand(): Command {
  return withTargeting(withServerUrl(new Command('add')))
    .alias('a')
    .description('add a toxic to a proxy')
    .argument('<proxy>', 'proxy name')
    .option(
      '-t, --type <type>',
      'toxic type: latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, noop, connect_delay, refuse, limit_time, corrupt; on http/http2 proxies also http_abort, http_delay, http_modify, grpc_status (http2); on udp proxies only udp_latency, loss, duplicate, reorder, corrupt, udp_bandwidth, noop',
    )
    .option('-n, --toxicName <name>', 'toxic name (default TYPE_STREAM)')
    .addOption(toxicityOption())
    .addOption(attributeOption())
    .option('-u, --upstream', 'act on data from the client to the upstream')
    .option('-d, --downstream', 'act on data from the upstream to the client (the default)')
    .addHelpText(
      'after',
      example(
        'faultline toxic add redis -t latency -a latency=100 -a jitter=20 --toxicity 0.5\n' +
          "  faultline toxic add api -t http_abort -a status=503 --match method=POST --match path='/v1/orders/*' --first 3",
      ),
    )
    .action(async (proxy: string, flags: ToxicFlags, command: Command) => {
      if (!flags.type) throw new UsageError("Required argument 'type' was empty. Pass -t TYPE.");
      if (flags.upstream && flags.downstream) {
        throw new UsageError('Only one should be specified: upstream or downstream.');
      }
      const removed = Object.entries(flags.match ?? {}).find(([, value]) => value === null);
      if (removed) {
        throw new UsageError(
          `--match ${removed[0]}= has no value: an empty value removes a key from a toxic's match in toxic update; toxic add needs a value`,
        );
      }
      const body = unchecked({
        type: flags.type,
        stream: flags.upstream ? 'upstream' : 'downstream',
        attributes: { ...flags.attribute, ...targetingAttributes(flags) } as Record<string, JsonValue>,
        ...(flags.toxicName ? { name: flags.toxicName } : {}),
        ...(flags.toxicity === undefined ? {} : { toxicity: flags.toxicity }),
      });
      const toxic = await clientFor(command).addToxic(proxy, body);
      out(
        `Added ${safe(toxic.stream)} ${safe(toxic.type)} toxic '${safe(toxic.name)}' on proxy '${safe(proxy)}'`,
      );
    });
}

function updateCommand(): Command {
  return withTargeting(withServerUrl(new Command('update')))
    .alias('u')
    .description('change attributes or toxicity of a toxic; what is not given keeps its value')
    .argument('<proxy>', 'proxy name')
    .option('-n, --toxicName <name>', 'toxic name')
    .addOption(toxicityOption())
    .addOption(attributeOption())
    .addHelpText(
      'after',
      example(
        'faultline toxic update redis -n latency_downstream -a latency=500\n' +
          '  faultline toxic update api -n slow --match client=127.0.0.1 --match method=   # merges; method= removes the key\n' +
          '  faultline toxic update api -n rewrite -a body=null -a \'json_patch={"x":1}\'   # null unsets',
      ),
    )
    .action(async (proxy: string, flags: ToxicFlags, command: Command) => {
      if (!flags.toxicName) throw new UsageError("Required argument 'toxicName' was empty. Pass -n NAME.");
      const attributes = { ...flags.attribute, ...targetingAttributes(flags) } as Record<string, JsonValue>;
      const toxic = await clientFor(command).updateToxic(proxy, flags.toxicName, {
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
        ...(flags.toxicity === undefined ? {} : { toxicity: flags.toxicity }),
      });
      out(`Updated toxic '${safe(flags.toxicName)}' on proxy '${safe(proxy)}'`);
      // --match merges key by key: show what the toxic now matches, not only what was sent.
      if (flags.match) {
        const match = (toxic.attributes as Record<string, unknown> | undefined)?.match;
        out(
          match === undefined
            ? 'match: none (the toxic applies to every request or connection)'
            : `match: ${safe(JSON.stringify(match))}`,
        );
      }
    });
}

function removeCommand(): Command {
  return withServerUrl(new Command('remove'))
    .aliases(['r', 'delete', 'd'])
    .description('remove a toxic from a proxy')
    .argument('<proxy>', 'proxy name')
    .option('-n, --toxicName <name>', 'toxic name')
    .addHelpText('after', example('faultline toxic remove redis -n latency_downstream'))
    .action(async (proxy: string, flags: ToxicFlags, command: Command) => {
      if (!flags.toxicName) throw new UsageError("Required argument 'toxicName' was empty. Pass -n NAME.");
      await clientFor(command).removeToxic(proxy, flags.toxicName);
      out(`Removed toxic '${safe(flags.toxicName)}' on proxy '${safe(proxy)}'`);
    });
}

export function toxicCommand(): Command {
  return new Command('toxic')
    .alias('t')
    .description('add, update or remove toxics')
    .addHelpText('after', example('faultline toxic add redis -t timeout -a timeout=0 -u'))
    .addCommand(addCommand())
    .addCommand(updateCommand())
    .addCommand(removeCommand());
}
