import { toxicsNotApplied } from '../../model/echoed-toxics.js';
import { parseProxyCreate, parseProxyUpdate } from '../../model/proxy-spec.js';
import { warnAboutProxy, warnInAnswer } from '../answer-warning.js';
import { readJson } from '../body.js';
import { explainedProxyJson, wantsExplanations } from '../explained.js';
import { orderedObjectJson } from '../ordered-json.js';
import { sendEmpty, sendJson, sendJsonText } from '../respond.js';
import { param, type Route } from '../route.js';
import { proxyJson } from '../shapes.js';

export const proxyRoutes: Route[] = [
  {
    method: 'GET',
    path: '/proxies',
    name: 'ProxyIndex',
    query: ['explain'],
    handler: (request, response, { engine }) => {
      const show = wantsExplanations(request.url) ? explainedProxyJson : proxyJson;
      // engine.list() is in byte order, as Go sorts a map's keys; the text must keep it.
      sendJsonText(response, 200, orderedObjectJson(engine.list().map((proxy) => [proxy.name, show(proxy)])));
    },
  },
  {
    method: 'POST',
    path: '/proxies',
    name: 'ProxyCreate',
    handler: async (request, response, { engine, log }) => {
      const proxy = await engine.create(parseProxyCreate(await readJson(request)));
      warnAboutProxy(response, log, proxy);
      sendJson(response, 201, proxyJson(proxy));
    },
  },
  {
    method: 'GET',
    path: '/proxies/:proxy',
    name: 'ProxyShow',
    query: ['explain'],
    handler: (request, response, context) => {
      const show = wantsExplanations(request.url) ? explainedProxyJson : proxyJson;
      sendJson(response, 200, show(context.engine.get(param(context, 'proxy'))));
    },
  },
  ...(['POST', 'PATCH'] as const).map((method): Route => ({
    method,
    path: '/proxies/:proxy',
    name: 'ProxyUpdate',
    handler: async (request, response, context) => {
      const name = param(context, 'proxy');
      const before = context.engine.get(name);
      const body = await readJson(request);
      const update = parseProxyUpdate(body, name);
      const proxy = await context.engine.update(name, update);
      const notApplied = toxicsNotApplied(body, before.toxics);
      if (notApplied.length > 0)
        warnInAnswer(
          response,
          context.log,
          { proxy: name, toxics: notApplied },
          toxicsNotAppliedText(name, notApplied),
        );
      const resettled = [update.tls, update.upstreamTls, update.listen, update.upstream];
      if (resettled.some((changed) => changed !== undefined)) warnAboutProxy(response, context.log, proxy);
      sendJson(response, 200, proxyJson(proxy));
    },
  })),
  {
    method: 'DELETE',
    path: '/proxies/:proxy',
    name: 'ProxyDelete',
    handler: (_request, response, context) => {
      context.engine.delete(param(context, 'proxy'));
      sendEmpty(response, 204);
    },
  },
];

/** Said with a proxy update whose `toxics` differ from the proxy's: they were not applied. */
function toxicsNotAppliedText(proxy: string, names: string[]): string {
  return (
    `the toxics of this update were not applied (${names.join(', ')}): a proxy update changes the proxy only, as in Toxiproxy; ` +
    `add, change or remove toxics with /proxies/${proxy}/toxics`
  );
}
