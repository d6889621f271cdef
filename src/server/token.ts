import { nodeCrypto } from './lazy-crypto.js';
import type { IncomingMessage } from 'node:http';
import { FaultlineError } from '../model/errors.js';

/** URL-safe, so the token fits a path segment and a URL's password unescaped. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;

export function generateToken(): string {
  return nodeCrypto().randomBytes(24).toString('base64url');
}

/** Why a token cannot be used, or undefined when it can. Never repeats the token itself. */
export function tokenProblem(token: string): string | undefined {
  if (TOKEN_PATTERN.test(token)) return undefined;
  return `the token must be 16 to 512 characters from A-Z a-z 0-9 . _ ~ - (it travels in URLs); received ${token.length} character${token.length === 1 ? '' : 's'}${/[^A-Za-z0-9._~-]/.test(token) ? ' with others among them' : ''}. "--token generate" makes one`;
}

export interface TokenCheck {
  /**
   * Takes a `/t/TOKEN` prefix off `request.url`, so nothing after this (routing, access logs)
   * sees it, and says why the request may not pass, or undefined when it may.
   */
  admit(request: IncomingMessage): FaultlineError | undefined;
  /**
   * The URL as logs may show it: the token, wherever else a client put it (`?token=`, `//t/`),
   * becomes `***`, since server logs often end up in CI job output others can read.
   */
  loggable(url: string | undefined): string | undefined;
}

const PREFIX = /^\/t\/([^/?#]*)(.*)$/;

/**
 * With a token, every request must carry it: as `Authorization: Bearer TOKEN`, as the password
 * of Basic credentials (what Go's HTTP client sends for http://:TOKEN@host, so toxiproxy-cli
 * works from TOXIPROXY_URL), or as a path prefix /t/TOKEN (for clients built on fetch, which
 * refuses credentials in a URL). Comparison takes the same time whatever the guess.
 * Without a token every request passes (the server is on loopback, or was started --insecure).
 */
export function createTokenCheck(token: string | undefined): TokenCheck {
  if (token !== undefined) {
    const problem = tokenProblem(token);
    if (problem) throw new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', 'invalid token', { hint: problem });
  }
  const expected = token === undefined ? undefined : digest(token);
  return {
    loggable(url) {
      return token === undefined || url === undefined ? url : url.split(token).join('***');
    },
    admit(request) {
      const fromPath = stripPrefix(request);
      if (expected === undefined) return undefined;
      const offered = [fromPath, ...fromAuthorization(request.headers.authorization)].filter(
        (candidate): candidate is string => candidate !== undefined,
      );
      if (offered.some((candidate) => nodeCrypto().timingSafeEqual(digest(candidate), expected)))
        return undefined;
      const missing = offered.length === 0;
      return new FaultlineError('FAULTLINE_ERR_UNAUTHORIZED', missing ? 'token required' : 'wrong token', {
        hint: `${missing ? 'the request carries no token' : "the token the request carries is not this server's"}; this server was started with a token (--token or FAULTLINE_TOKEN): send it as "Authorization: Bearer TOKEN", as the password in the URL (http://:TOKEN@host:port), or as a path prefix (http://host:port/t/TOKEN)`,
      });
    },
  };
}

/** A hash first, so both sides of the comparison have the same length whatever was sent. */
function digest(value: string): Buffer {
  return nodeCrypto().createHash('sha256').update(value).digest();
}

function stripPrefix(request: IncomingMessage): string | undefined {
  const match = PREFIX.exec(request.url ?? '/');
  if (!match) return undefined;
  const rest = match[2] ?? '';
  request.url = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
  try {
    return decodeURIComponent(match[1] ?? '');
  } catch {
    return match[1];
  }
}

function fromAuthorization(header: string | undefined): string[] {
  if (header === undefined) return [];
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (scheme.toLowerCase() === 'bearer') return [value];
  if (scheme.toLowerCase() !== 'basic') return [];
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? [] : [decoded.slice(colon + 1)];
}
