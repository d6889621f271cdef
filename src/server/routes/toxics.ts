import { parseToxicCreate, parseToxicUpdate, toxicExists } from '../../model/toxic.js';
import { readJson } from '../body.js';
import { explainedToxicJson, wantsExplanations } from '../explained.js';
import { sendEmpty, sendJson } from '../respond.js';
import { param, type Route } from '../route.js';
import { toxicJson } from '../shapes.js';

export const toxicRoutes: Route[] = [
  {
    method: 'GET',
    path: '/proxies/:proxy/toxics',
    name: 'ToxicIndex',
    query: ['explain'],
    handler: (request, response, context) => {
      const proxy = context.engine.get(param(context, 'proxy'));
      const explain = wantsExplanations(request.url);
      sendJson(
        response,
        200,
        proxy.toxics.map((toxic) => (explain ? explainedToxicJson(toxic, proxy.protocol) : toxicJson(toxic))),
      );
    },
  },
  {
    method: 'POST',
    path: '/proxies/:proxy/toxics',
    name: 'ToxicCreate',
    handler: async (request, response, context) => {
      const proxy = context.engine.get(param(context, 'proxy'));
      const toxic = parseToxicCreate(await readJson(request), 'toxic', (name) => {
        if (proxy.toxics.some((other) => other.name === name)) throw toxicExists(proxy.name, name);
      });
      await proxy.addToxic(toxic);
      sendJson(response, 200, toxicJson(toxic));
    },
  },
  {
    method: 'GET',
    path: '/proxies/:proxy/toxics/:toxic',
    name: 'ToxicShow',
    query: ['explain'],
    handler: (request, response, context) => {
      const proxy = context.engine.get(param(context, 'proxy'));
      const toxic = proxy.toxic(param(context, 'toxic'));
      const explain = wantsExplanations(request.url);
      sendJson(response, 200, explain ? explainedToxicJson(toxic, proxy.protocol) : toxicJson(toxic));
    },
  },
  ...(['POST', 'PATCH'] as const).map((method): Route => ({
    method,
    path: '/proxies/:proxy/toxics/:toxic',
    name: 'ToxicUpdate',
    handler: async (request, response, context) => {
      const proxy = context.engine.get(param(context, 'proxy'));
      const current = proxy.toxic(param(context, 'toxic'));
      const toxic = parseToxicUpdate(await readJson(request), current);
      await proxy.updateToxic(toxic);
      sendJson(response, 200, toxicJson(toxic));
    },
  })),
  {
    method: 'DELETE',
    path: '/proxies/:proxy/toxics/:toxic',
    name: 'ToxicDelete',
    handler: async (_request, response, context) => {
      await context.engine.get(param(context, 'proxy')).removeToxic(param(context, 'toxic'));
      sendEmpty(response, 204);
    },
  },
];
