import { Command, Option } from 'commander';
import { DEFAULT_PROTOCOL, type ProxyProtocol, proxyProtocols } from '../model/protocol.js';
import type { ProxyJson } from '../client/index.js';
import {
  clientFor,
  example,
  isTerminal,
  out,
  printServerWarning,
  table,
  UsageError,
  withServerUrl,
} from './context.js';
import { byName } from './name-order.js';
import { proxySettings } from '../model/proxy-setting-words.js';
import { float32Fixed2, float64Default } from './go-number-text.js';
import { safe, safeJson } from './terminal-text.js';
import {
  addProxyExtraOptions,
  type ProxyExtraFlags,
  proxyExtraFields,
  rejectOtherProtocolFlags,
  rejectTlsOnUdp,
} from './tls-options.js';

export function listCommand(): Command {
  // --json, --names and --wide each pick the whole output: two at once would drop one in silence.
  return withServerUrl(new Command('list'))
    .aliases(['ls', 'l', 'li'])
    .description('list every proxy with its addresses, state and number of toxics')
    .addOption(new Option('--json', 'print the API response as JSON').conflicts(['names', 'wide']))
    .addOption(
      new Option('--names', 'print only the names, one a line (for scripts and completion)').conflicts(
        'wide',
      ),
    )
    .option('--wide', "piped: add protocol and settings columns after toxiproxy-cli's five")
    .addHelpText('after', example("faultline list --json | jq '.redis.toxics'"))
    .action(async (options: { json?: boolean; names?: boolean; wide?: boolean }, command: Command) => {
      const proxies = await clientFor(command).proxies();
      const sorted = Object.values(proxies).sort(byName);
      if (options.json) return out(safeJson(proxies));
      if (options.names) return sorted.forEach((proxy) => out(safe(proxy.name)));
      if (!isTerminal()) {
        for (const proxy of sorted) {
          out(
            [
              proxy.name,
              proxy.listen,
              proxy.upstream,
              state(proxy),
              proxy.toxics.length,
              // toxiproxy-cli's five columns exactly, for the scripts that read them.
              ...(options.wide
                ? [proxy.protocol ?? DEFAULT_PROTOCOL, proxySettings(proxy).join('; ') || '-']
                : []),
            ]
              .map(safe)
              .join('\t'),
          );
        }
        return;
      }
      if (sorted.length === 0)
        return out('no proxies\n\nCreate one with: faultline create NAME -l LISTEN -u UPSTREAM');
      const rows = sorted.map((proxy) => [
        safe(proxy.name),
        safe(proxy.listen),
        safe(proxy.upstream),
        safe(proxy.protocol ?? DEFAULT_PROTOCOL),
        state(proxy),
        proxy.toxics.length === 0 ? 'None' : String(proxy.toxics.length),
        safe(proxySettings(proxy).join('; ')),
      ]);
      out(table(['Name', 'Listen', 'Upstream', 'Protocol', 'Enabled', 'Toxics', 'Settings'], rows));
      out('\nHint: inspect toxics with: faultline inspect PROXY');
    });
}

export function inspectCommand(): Command {
  return withServerUrl(new Command('inspect'))
    .aliases(['i', 'ins'])
    .description('show a proxy and its toxics')
    .argument('<proxy>', 'proxy name')
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', example('faultline inspect redis'))
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const proxy = await clientFor(command).proxy(name);
      if (options.json) return out(safeJson(proxy));
      if (!isTerminal()) {
        for (const toxic of proxy.toxics) {
          const attributes = Object.keys(toxic.attributes)
            .sort()
            .map((key) => `${safe(key)}=${safe(pipedAttributeText(toxic.attributes[key]))}`);
          out(
            [
              safe(toxic.name),
              `type=${safe(toxic.type)}`,
              `stream=${safe(toxic.stream)}`,
              `toxicity=${float32Fixed2(Number(toxic.toxicity))}`,
              `attributes=[`,
              ...attributes,
              ']',
            ].join('\t'),
          );
        }
        return;
      }
      out(
        `Name: ${safe(proxy.name)}\tListen: ${safe(proxy.listen)}\tUpstream: ${safe(proxy.upstream)}\t${state(proxy)}\tProtocol: ${safe(proxy.protocol ?? DEFAULT_PROTOCOL)}`,
      );
      for (const setting of proxySettings(proxy)) out(safe(setting));
      out('='.repeat(60));
      if (proxy.toxics.length === 0) return out('Proxy has no toxics enabled.');
      for (const stream of ['upstream', 'downstream'] as const) {
        const toxics = proxy.toxics.filter((toxic) => toxic.stream === stream);
        out(`${stream === 'upstream' ? 'Upstream' : 'Downstream'} toxics:`);
        if (toxics.length === 0) out('  Proxy has no toxics enabled.');
        for (const toxic of toxics) {
          const attributes = Object.entries(toxic.attributes).map(
            ([key, value]) => `${safe(key)}=${safe(attributeText(value))}`,
          );
          out(
            `  ${safe(toxic.name)}:\ttype=${safe(toxic.type)}\ttoxicity=${safe(toxic.toxicity)}\tattributes=[${attributes.join(' ')}]`,
          );
        }
      }
    });
}

export function createCommand(): Command {
  const command = withServerUrl(new Command('create'))
    .aliases(['c', 'new'])
    .description('create a proxy that listens on LISTEN and forwards to UPSTREAM')
    .argument('<proxy>', 'proxy name')
    .option('-l, --listen <address>', 'address to listen on, host:port (port 0 picks a free one)')
    .option('-u, --upstream <address>', 'address to forward to, host:port')
    .addOption(
      new Option(
        '--protocol <protocol>',
        'how the proxy reads traffic: tcp (bytes, the default), http, http2 (h2c, gRPC), udp (datagrams)',
      ).choices(proxyProtocols),
    )
    .option(
      '--header-faults',
      "http/http2: let requests ask for a fault with x-faultline-abort/-delay/-throughput or Envoy's x-envoy-fault-* headers",
    );
  return addProxyExtraOptions(command)
    .addHelpText(
      'after',
      example(
        'faultline create redis -l 127.0.0.1:26379 -u 127.0.0.1:6379\n  faultline create api -l 127.0.0.1:8081 -u 127.0.0.1:8080 --protocol http\n  faultline create api_tls -l 127.0.0.1:8443 -u 127.0.0.1:8080 --protocol http --tls-auto',
      ),
    )
    .action(async (name: string, options: CreateFlags, command: Command) => {
      if (!options.listen) throw new UsageError("Required argument 'listen' was empty. Pass -l HOST:PORT.");
      if (!options.upstream)
        throw new UsageError("Required argument 'upstream' was empty. Pass -u HOST:PORT.");
      if (options.protocol === 'udp') rejectTlsOnUdp(options);
      rejectOtherProtocolFlags(options, options.protocol);
      await clientFor(command).createProxy(
        {
          name,
          listen: options.listen,
          upstream: options.upstream,
          enabled: true,
          ...(options.protocol ? { protocol: options.protocol } : {}),
          ...(options.headerFaults ? { header_faults: true } : {}),
          ...proxyExtraFields(options),
        },
        { onWarning: printServerWarning },
      );
      out(`Created new proxy ${safe(name)}`);
    });
}

export function toggleCommand(): Command {
  return withServerUrl(new Command('toggle'))
    .aliases(['tg', 'tog'])
    .description('enable a disabled proxy, or disable an enabled one (closing its connections)')
    .argument('<proxy>', 'proxy name')
    .addHelpText('after', example('faultline toggle redis'))
    .action(async (name: string, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const proxy = await client.proxy(name);
      const updated = await client.updateProxy(name, { enabled: !proxy.enabled });
      out(`Proxy ${safe(name)} is now ${state(updated)}`);
    });
}

export function deleteCommand(): Command {
  return withServerUrl(new Command('delete'))
    .aliases(['d'])
    .description('delete a proxy, closing its listener and connections')
    .argument('<proxy>', 'proxy name')
    .addHelpText('after', example('faultline delete redis'))
    .action(async (name: string, _options: unknown, command: Command) => {
      await clientFor(command).deleteProxy(name);
      out(`Deleted proxy ${safe(name)}`);
    });
}

interface CreateFlags extends ProxyExtraFlags {
  listen?: string;
  upstream?: string;
  protocol?: ProxyProtocol;
  headerFaults?: boolean;
}

/** Numbers and strings as they are; header maps and match objects as JSON. */
/** toxiproxy-cli prints attribute numbers with Go's %v (1e+06); other values are faultline's own. */
function pipedAttributeText(value: unknown): string {
  return typeof value === 'number' ? float64Default(value) : attributeText(value);
}

function attributeText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function state(proxy: ProxyJson): string {
  return proxy.enabled ? 'enabled' : 'disabled';
}
