// The chapter 4 stand-in for WordPress: a blog whose front page is built from sequential
// PostgreSQL queries, one of them per post on the page (the N+1 pattern). Every query is counted,
// so the lesson's N is measured, not declared; /one-query makes a single query, so what one
// round trip costs is measured too.
// Usage: node blog.mjs <port, 0 for any free one> <postgres url> [posts per page]
import { createServer } from 'node:http';
import pg from 'pg';

const [port, databaseUrl, postsArg = '7'] = process.argv.slice(2);
const postsPerPage = Number(postsArg);
/** PostgreSQL listens before it accepts ("the database system is starting up"): retry for 10 s. */
async function connectWhenReady() {
  for (let attempt = 0; ; attempt += 1) {
    const client = new pg.Client({ connectionString: databaseUrl });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if (attempt === 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const client = await connectWhenReady();
let queries = 0;
const query = (text, values) => {
  queries += 1;
  return client.query(text, values);
};

async function seed() {
  await client.query(`
    CREATE TABLE IF NOT EXISTS options (name text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE IF NOT EXISTS posts (id serial PRIMARY KEY, title text NOT NULL, body text NOT NULL);
    CREATE TABLE IF NOT EXISTS comments (id serial PRIMARY KEY, post_id int NOT NULL REFERENCES posts, body text NOT NULL);
    CREATE TABLE IF NOT EXISTS categories (name text PRIMARY KEY);
    INSERT INTO options VALUES ('blogname', 'Crash test your applications') ON CONFLICT DO NOTHING;
    INSERT INTO categories VALUES ('chaos'), ('databases'), ('networks') ON CONFLICT DO NOTHING;
  `);
  const { rows } = await client.query('SELECT count(*)::int AS count FROM posts');
  for (let post = rows[0].count; post < 20; post += 1) {
    const inserted = await client.query('INSERT INTO posts (title, body) VALUES ($1, $2) RETURNING id', [
      `Post ${post + 1}`,
      'Lorem ipsum '.repeat(40),
    ]);
    for (let comment = 0; comment < post % 4; comment += 1)
      await client.query('INSERT INTO comments (post_id, body) VALUES ($1, $2)', [
        inserted.rows[0].id,
        'Nice',
      ]);
  }
}

/** The front page: the blog's name, the latest posts, each post's comment count, the categories. */
async function frontPage() {
  const name = await query("SELECT value FROM options WHERE name = 'blogname'");
  const posts = await query('SELECT id, title, body FROM posts ORDER BY id DESC LIMIT $1', [postsPerPage]);
  const items = [];
  for (const post of posts.rows) {
    const comments = await query('SELECT count(*)::int AS count FROM comments WHERE post_id = $1', [post.id]);
    items.push(
      `<article><h2>${post.title}</h2><p>${post.body}</p><p>${comments.rows[0].count} comments</p></article>`,
    );
  }
  const categories = await query('SELECT name FROM categories ORDER BY name');
  return `<!doctype html><title>${name.rows[0].value}</title><h1>${name.rows[0].value}</h1>${items.join('')}<nav>${categories.rows.map((row) => row.name).join(' ')}</nav>`;
}

let lastPageQueries = 0;
let pages = 0;
const server = createServer(async (request, response) => {
  const path = new URL(request.url, 'http://blog').pathname;
  try {
    if (path === '/blog/') {
      const before = queries;
      const started = performance.now();
      const html = await frontPage();
      lastPageQueries = queries - before;
      pages += 1;
      response.writeHead(200, {
        'content-type': 'text/html',
        'x-db-queries': String(lastPageQueries),
        'server-timing': `db;dur=${(performance.now() - started).toFixed(1)}`,
      });
      response.end(html);
    } else if (path === '/one-query') {
      // One round trip to the database: what each of a page's queries pays, measured alone.
      const before = queries;
      await query("SELECT value FROM options WHERE name = 'blogname'");
      response.writeHead(200, { 'content-type': 'text/plain', 'x-db-queries': String(queries - before) });
      response.end('ok\n');
    } else if (path === '/stats') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ queriesPerPage: lastPageQueries, pages }));
    } else if (path === '/health') {
      response.end('ok');
    } else {
      response.writeHead(404).end();
    }
  } catch (error) {
    console.error(`blog: ${error.message}`);
    response.writeHead(503, { 'content-type': 'text/plain' }).end(`database error: ${error.message}\n`);
  }
});

let stopping = false;
client.on('error', (error) => {
  if (!stopping) console.error(`blog: database connection: ${error.message}`);
});
await seed();
// Port 0 picks a free port; the runner reads which from this line.
server.listen(Number(port), '127.0.0.1', () =>
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`),
);
process.on('SIGTERM', () => {
  stopping = true;
  server.close();
  server.closeAllConnections();
  client.end().finally(() => process.exit(0));
});
