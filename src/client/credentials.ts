/**
 * Where a client sends its requests and how it proves the server's token, from the URL it was
 * given: credentials in the URL (http://:TOKEN@host:8474, as toxiproxy-cli's TOXIPROXY_URL carries
 * them) become a Basic header, because fetch refuses a URL with credentials; a /t/TOKEN path
 * prefix stays in the request path; otherwise an explicit token or FAULTLINE_TOKEN is sent as a
 * Bearer header. `url` is the address without any token, the one to show and to record.
 */
export interface Endpoint {
  /** The server's address without credentials or a token, for messages and ledgers. */
  url: string;
  /** What request paths are appended to (it keeps a /t/TOKEN prefix). */
  base: string;
  headers: Record<string, string>;
}

const TOKEN_PREFIX = /^(\/t\/[^/?#]+)(\/.*)?$/;

export function endpointOf(url: string, token = process.env.FAULTLINE_TOKEN || undefined): Endpoint {
  if (!URL.canParse(url)) return { url, base: url, headers: bearer(token) };
  const parsed = new URL(url);
  const headers =
    parsed.username !== '' || parsed.password !== ''
      ? {
          Authorization: `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`,
        }
      : bearer(token);
  parsed.username = '';
  parsed.password = '';
  const base = parsed.toString().replace(/\/+$/, '');
  const prefix = TOKEN_PREFIX.exec(parsed.pathname);
  if (prefix) parsed.pathname = prefix[2] ?? '/';
  return { url: parsed.toString().replace(/\/+$/, ''), base, headers };
}

/** An empty token sends none, whatever FAULTLINE_TOKEN says. */
function bearer(token: string | undefined): Record<string, string> {
  return token === undefined || token === '' ? {} : { Authorization: `Bearer ${token}` };
}
