import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MAX_IDLE_TIMEOUT_MS } from '../model/protocol.js';
import { integer } from './integer-option.js';
import { UsageError } from './context.js';

/** The TLS and UDP options of `create`, read into the API's fields (PEM files are read here, not by the server). */
export interface ProxyExtraFlags {
  tlsAuto?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  upstreamTls?: boolean;
  upstreamCa?: string;
  upstreamServername?: string;
  upstreamCert?: string;
  upstreamKey?: string;
  upstreamInsecure?: boolean;
  idleTimeout?: number;
}

export function addProxyExtraOptions(command: Command): Command {
  return command
    .option('--tls-auto', "terminate TLS with a certificate from faultline's local CA (see faultline ca)")
    .option('--tls-cert <file>', 'terminate TLS with this PEM certificate chain (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option(
      '--tls-client-ca <file>',
      'with --tls-auto or --tls-cert: require client certificates signed by these PEM CA certificates (mTLS)',
    )
    .option('--upstream-tls', "speak TLS to the upstream, verified against the system's CAs")
    .option('--upstream-ca <file>', 'speak TLS to the upstream, verified against these PEM CA certificates')
    .option('--upstream-servername <name>', 'the name the upstream certificate must carry (SNI)')
    .option('--upstream-cert <file>', 'a PEM client certificate for the upstream (mTLS, with --upstream-key)')
    .option('--upstream-key <file>', 'the PEM private key of --upstream-cert')
    .option('--upstream-insecure', 'speak TLS to the upstream without verifying it (only when you mean it)')
    .option(
      '--idle-timeout <ms>',
      `udp: close a flow after this many ms without datagrams (1 to ${MAX_IDLE_TIMEOUT_MS}, 60000 when omitted)`,
      integer('--idle-timeout', 1, MAX_IDLE_TIMEOUT_MS),
    );
}

const tlsFlags = ['--tls-auto', '--tls-cert', '--tls-key', '--tls-client-ca'] as const;
const upstreamTlsFlags = [
  '--upstream-tls',
  '--upstream-ca',
  '--upstream-servername',
  '--upstream-cert',
  '--upstream-key',
  '--upstream-insecure',
] as const;

/** UDP has no TLS (DTLS is not supported): name the flags given, not the API fields. */
export function rejectTlsOnUdp(flags: ProxyExtraFlags): void {
  const given = [...tlsFlags, ...upstreamTlsFlags].filter(
    (flag) => flags[flagKey(flag)] !== undefined && flags[flagKey(flag)] !== false,
  );
  if (given.length > 0)
    throw new UsageError(
      `${given.join(', ')} ${given.length === 1 ? 'needs' : 'need'} a tcp, http or http2 proxy, and --protocol is udp; DTLS is not supported: remove ${given.length === 1 ? 'it' : 'them'}`,
    );
}

/** Flags another protocol's proxies take: named as flags, as the server would name its fields. */
export function rejectOtherProtocolFlags(
  flags: ProxyExtraFlags & { headerFaults?: boolean },
  protocol: string | undefined,
): void {
  const given = protocol === undefined ? 'tcp (the default)' : protocol;
  if (flags.idleTimeout !== undefined && protocol !== 'udp')
    throw new UsageError(
      `--idle-timeout closes idle udp flows, and --protocol is ${given}: add --protocol udp, or remove --idle-timeout`,
    );
  if (flags.headerFaults === true && protocol !== 'http' && protocol !== 'http2')
    throw new UsageError(
      `--header-faults reads requests, and --protocol is ${given}: use --protocol http or http2, or remove --header-faults`,
    );
}

function flagKey(flag: string): keyof ProxyExtraFlags {
  return flag
    .slice(2)
    .replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()) as keyof ProxyExtraFlags;
}

export function proxyExtraFields(flags: ProxyExtraFlags): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (flags.tlsAuto && (flags.tlsCert || flags.tlsKey))
    throw new UsageError('--tls-auto and --tls-cert/--tls-key contradict each other; give one');
  if (flags.tlsAuto) fields.tls = { auto: true };
  else if (flags.tlsCert || flags.tlsKey) {
    if (!flags.tlsCert || !flags.tlsKey)
      throw new UsageError('--tls-cert and --tls-key go together; give both');
    fields.tls = { cert: pem(flags.tlsCert, '--tls-cert'), key: pem(flags.tlsKey, '--tls-key') };
  }
  if (flags.tlsClientCa) {
    if (!fields.tls)
      throw new UsageError(
        '--tls-client-ca asks clients for certificates, which needs TLS termination; add --tls-auto or --tls-cert and --tls-key',
      );
    fields.tls = { ...(fields.tls as object), client_ca: pem(flags.tlsClientCa, '--tls-client-ca') };
  }
  const upstream: Record<string, unknown> = {};
  if (flags.upstreamCa) upstream.ca = pem(flags.upstreamCa, '--upstream-ca');
  if (flags.upstreamServername) upstream.servername = flags.upstreamServername;
  if (flags.upstreamCert) upstream.cert = pem(flags.upstreamCert, '--upstream-cert');
  if (flags.upstreamKey) upstream.key = pem(flags.upstreamKey, '--upstream-key');
  if (flags.upstreamInsecure) upstream.insecure = true;
  if (flags.upstreamTls || Object.keys(upstream).length > 0) fields.upstream_tls = upstream;
  if (flags.idleTimeout !== undefined) fields.idle_timeout = flags.idleTimeout;
  return fields;
}

function pem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a readable PEM file`,
    );
  }
}
