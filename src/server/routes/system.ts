import { describeValue, FaultlineError, isFaultlineError } from '../../model/errors.js';
import { parseProxyList } from '../../model/proxy-spec.js';
import { PopulateError } from '../../proxy/engine.js';
import { faultlineVersion, toxiproxyApiVersion } from '../../version.js';
import { warnAboutProxy } from '../answer-warning.js';
import { readJson, readText } from '../body.js';
import { errorBody, sendEmpty, sendJson, sendText } from '../respond.js';
import type { Route } from '../route.js';
import { proxyJson } from '../shapes.js';

export const systemRoutes: Route[] = [
  {
    method: 'GET',
    path: '/version',
    name: 'Version',
    // Toxiproxy's exact body (its test compares it byte for byte); faultline's own version is a header.
    handler: (_request, response) => {
      response.setHeader('X-Faultline-Version', faultlineVersion);
      sendText(response, 200, `{"version": "${toxiproxyApiVersion}"}\n`, 'application/json;charset=utf-8');
    },
  },
  {
    method: 'POST',
    path: '/reset',
    name: 'ResetState',
    handler: async (request, response, { engine }) => {
      refuseResetBody(await readText(request));
      await engine.reset();
      sendEmpty(response, 204);
    },
  },
  {
    method: 'POST',
    path: '/populate',
    name: 'Populate',
    handler: async (request, response, { engine, log }) => {
      try {
        const proxies = await engine.populate(parseProxyList(await readJson(request), 'the /populate body'));
        for (const proxy of proxies) warnAboutProxy(response, log, proxy);
        sendJson(response, 201, { proxies: proxies.map(proxyJson) });
      } catch (error) {
        if (!isFaultlineError(error)) throw error;
        const applied = error instanceof PopulateError ? error.applied.map(proxyJson) : [];
        const { error: reason, status, ...extra } = errorBody(error);
        sendJson(response, status, { error: reason, status, proxies: applied, ...extra });
      }
    },
  },
];

/**
 * /reset takes no body (nothing, `{}` or `null`, which clients send for none). Toxiproxy ignores
 * any other, but `{"proxy":"redis"}` reads as a reset of one proxy, and every proxy would be
 * reset: it is refused before anything changes.
 */
function refuseResetBody(text: string): void {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'null' || /^\{\s*\}$/.test(trimmed)) return;
  let received = JSON.stringify(trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed);
  try {
    received = describeValue(JSON.parse(trimmed));
  } catch {
    // Not JSON: its text is said as it came.
  }
  throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', 'bad request body: POST /reset takes no body', {
    hint: `received ${received}, and nothing was reset; /reset enables every proxy and removes every toxic of every proxy: for one proxy, use POST /proxies/{proxy} {"enabled": true} and DELETE /proxies/{proxy}/toxics/{toxic}`,
  });
}
