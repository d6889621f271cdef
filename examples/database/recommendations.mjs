// The chapter 8 service: recommendations with Redis as the session cache. Each /search reads the
// session's last queries from Redis and writes them back, two sequential calls, and carries on
// without them when Redis fails (the book's `except RedisError`). Calls are counted; /one-call
// makes a single cache call, so what one round trip costs is measured too.
// Usage: node recommendations.mjs <port, 0 for any free one> <redis url>
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createClient } from 'redis';

const [port, redisUrl] = process.argv.slice(2);
const cache = createClient({ url: redisUrl });
cache.on('error', (error) => console.error(`recommendations: redis error ${error.message}`));
let calls = 0;
let lastSearchCalls = 0;
let searches = 0;

const CATALOGUE = {
  apples: ['pears', 'apple pie'],
  bananas: ['mangoes', 'smoothies'],
  cheese: ['crackers', 'wine'],
};

async function interestsOf(session) {
  calls += 1;
  const stored = await cache.get(`interests:${session}`);
  return stored === null ? [] : JSON.parse(stored);
}

async function storeInterests(session, interests) {
  calls += 1;
  await cache.set(`interests:${session}`, JSON.stringify(interests));
}

async function search(session, query) {
  let interests = [];
  try {
    interests = [...(await interestsOf(session)), query].slice(-3);
    await storeInterests(session, interests);
  } catch (error) {
    console.error(`LOG: redis error ${error.message}`);
    interests = [query];
  }
  return interests.flatMap((interest) => CATALOGUE[interest.toLowerCase()] ?? []);
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://shop');
  if (url.pathname === '/search') {
    const cookie = /(?:^|;\s*)sessionID=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    const session = cookie ?? randomUUID();
    const query =
      request.method === 'POST'
        ? new URLSearchParams(await readBody(request)).get('query')
        : url.searchParams.get('query');
    const before = calls;
    const recommendations = await search(session, query ?? '');
    lastSearchCalls = calls - before;
    searches += 1;
    response.writeHead(200, {
      'content-type': 'application/json',
      'set-cookie': `sessionID=${session}`,
      'x-cache-calls': String(lastSearchCalls),
    });
    response.end(JSON.stringify({ query, recommendations }));
  } else if (url.pathname === '/one-call') {
    // One round trip to the cache: what each of a search's calls pays, measured alone.
    try {
      await cache.get('interests:one-call');
      response.writeHead(200, { 'content-type': 'text/plain', 'x-cache-calls': '1' });
      response.end('ok\n');
    } catch (error) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end(`redis error: ${error.message}\n`);
    }
  } else if (url.pathname === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ callsPerRequest: lastSearchCalls, searches }));
  } else if (url.pathname === '/health') {
    response.end('ok');
  } else {
    response.writeHead(404).end();
  }
});

await cache.connect();
// Port 0 picks a free port; the runner reads which from this line.
server.listen(Number(port), '127.0.0.1', () =>
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`),
);
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  cache.destroy();
  process.exit(0);
});
