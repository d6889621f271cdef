import { isFaultlineError } from '../../model/errors.js';
import { parseProxyList } from '../../model/proxy-spec.js';
import { PopulateError } from '../../proxy/engine.js';
import { faultlineVersion, toxiproxyApiVersion } from '../../version.js';
import { readJson } from '../body.js';
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
    handler: async (_request, response, { engine }) => {
      await engine.reset();
      sendEmpty(response, 204);
    },
  },
  {
    method: 'POST',
    path: '/populate',
    name: 'Populate',
    handler: async (request, response, { engine }) => {
      try {
        const proxies = await engine.populate(parseProxyList(await readJson(request), 'the /populate body'));
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
