import { nodeCrypto } from './lazy-crypto.js';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { FaultlineError } from '../model/errors.js';

/** The header the dashboard sends its CSRF token in; a page on another origin cannot set it. */
export const CSRF_HEADER = 'x-faultline-csrf';

const LIFETIME_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 64;

/**
 * The dashboard's same-origin sessions. GET /ui sets an HttpOnly, SameSite=Strict cookie and
 * puts a CSRF token in the page; the page's API requests send the token in a header. Only a
 * request with both, matching, passes as the dashboard (the JSON API otherwise refuses browsers,
 * as Toxiproxy does):
 * - a page on another site gets no cookie (SameSite=Strict);
 * - a page on this site but another port (127.0.0.1:3000 is "same-site") gets the cookie, but
 *   cannot read the token (no CORS) nor send a custom header without a preflight we never grant.
 */
export interface UiSessions {
  /** Keeps the request's live session or starts one, sets its cookie, returns its CSRF token. */
  open(headers: IncomingHttpHeaders, response: ServerResponse): string;
  /**
   * "absent" when the request does not claim to be the dashboard (no token header), "valid" when
   * it is, an error saying what is wrong when it claims to be and is not.
   */
  verify(headers: IncomingHttpHeaders): 'absent' | 'valid' | FaultlineError;
}

interface Session {
  readonly csrf: string;
  readonly expires: number;
}

export function createUiSessions(now: () => number = Date.now): UiSessions {
  const store = new Map<string, Session>();

  const live = (id: string | undefined): Session | undefined => {
    const session = id === undefined ? undefined : store.get(id);
    if (session === undefined || session.expires > now()) return session;
    store.delete(id as string);
    return undefined;
  };

  return {
    open(headers, response) {
      const cookie = cookieName(headers.host);
      const current = live(readCookie(headers.cookie, cookie));
      if (current !== undefined) return current.csrf;
      if (store.size >= MAX_SESSIONS) store.delete(store.keys().next().value as string);
      const id = nodeCrypto().randomBytes(32).toString('base64url');
      const session = {
        csrf: nodeCrypto().randomBytes(32).toString('base64url'),
        expires: now() + LIFETIME_MS,
      };
      store.set(id, session);
      response.setHeader(
        'Set-Cookie',
        `${cookie}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${LIFETIME_MS / 1000}`,
      );
      return session.csrf;
    },

    verify(headers) {
      const token = headers[CSRF_HEADER];
      if (token === undefined) return 'absent';
      const cookie = cookieName(headers.host);
      const id = readCookie(headers.cookie, cookie);
      if (id === undefined) {
        return refusal(
          'dashboard session missing',
          `the request sends ${CSRF_HEADER} without the ${cookie} cookie; open /ui again to start a session`,
        );
      }
      const session = live(id);
      if (session === undefined) {
        return refusal(
          'dashboard session expired',
          'the session is unknown to this server (it restarted, or the session is older than 12 hours); reload /ui',
        );
      }
      if (typeof token !== 'string' || !sameSecret(token, session.csrf)) {
        return refusal(
          'dashboard token does not match',
          `the ${CSRF_HEADER} header is not the token of this session; reload /ui`,
        );
      }
      const site = headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') {
        return refusal(
          'dashboard request from another origin',
          `the browser marked it Sec-Fetch-Site: ${site}; the dashboard sends its requests from its own origin only`,
        );
      }
      return 'valid';
    },
  };
}

/** Cookies ignore ports, so two servers on one host need two names. */
function cookieName(host: string | undefined): string {
  const port = /:(\d+)$/.exec(host ?? '')?.[1];
  return `faultline_ui_${port ?? 'default'}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function sameSecret(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && nodeCrypto().timingSafeEqual(a, b);
}

function refusal(reason: string, hint: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_DASHBOARD_SESSION', reason, { hint });
}
