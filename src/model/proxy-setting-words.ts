import type { ProxyJson } from './wire.js';

/**
 * A proxy's settings beyond its addresses, in words: TLS to clients and to the upstream, the
 * udp idle timeout and header faults. Empty for a plain proxy.
 */
export function proxySettings(proxy: ProxyJson): string[] {
  const settings: string[] = [];
  const { tls, upstream_tls: upstreamTls } = proxy;
  if (tls) {
    const source = 'auto' in tls ? "tls auto (faultline's local CA)" : 'tls with its own certificate';
    settings.push(tls.client_ca ? `${source}, client certificates required (client_ca)` : source);
  }
  if (upstreamTls) {
    const verified = upstreamTls.insecure
      ? 'not verified (insecure)'
      : upstreamTls.ca
        ? 'verified against its ca'
        : "verified against the system's CAs";
    const extras = [
      ...(upstreamTls.servername ? [`servername ${upstreamTls.servername}`] : []),
      ...(upstreamTls.cert ? ['client certificate'] : []),
    ];
    settings.push(`upstream tls ${verified}${extras.length > 0 ? `, ${extras.join(', ')}` : ''}`);
  }
  if (proxy.idle_timeout !== undefined) settings.push(`idle_timeout ${proxy.idle_timeout} ms`);
  if (proxy.header_faults) settings.push('header_faults on');
  return settings;
}
