// The book's database lessons (chapters 4 and 8) on real servers: PostgreSQL behind a blog that
// makes N sequential queries per page, and Redis behind a search that makes 2 cache calls per
// request, each reached through a faultline proxy. Each experiment adds X ms of latency per call
// and the runner shows what one call and what a request paid for it, measured in the same run.
// Usage: node examples/database/run.mjs [ch4 ch8] [--out DIR]
// Exit status 0 when each hypothesis ended as the book says, a request with the fault took at
// least N x X, and the fault added to it at most 1.15 x N times what it added to one call;
// otherwise the UNEXPECTED line names each failed check and what was measured.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultlineCli, outcomeOf, outputOf, runExperiment, waitForHttp } from '../experiments.mjs';
import { announced, processGroup } from '../processes.mjs';
import { postgresBinaries, requireRedis, startPostgres, startRedis } from './databases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : mkdtempSync(join(tmpdir(), 'faultline-db-'));
const chosen = args.length > 0 ? args : ['ch4', 'ch8'];
mkdirSync(out, { recursive: true });

const { start, stopAll, afterStop, startedProcesses } = processGroup();

const lessons = {
  ch4: {
    file: 'ch4-database-latency.json',
    expected: 'deviated',
    proxy: 'blog_postgres',
    requireServer: postgresBinaries,
    database: (directory) => startPostgres({ directory, start, afterStop }),
    service: (port, upstreamPort) => [
      join(here, 'blog.mjs'),
      String(port),
      `postgres://faultline@127.0.0.1:${upstreamPort}/postgres`,
    ],
    urlVariable: 'BLOG_URL',
    calls: (journal) => outputOf(journal, 'queries-per-page')?.body?.queriesPerPage,
    before: 'pages-without-latency',
    during: 'pages-with-latency',
    oneCallBefore: 'one-query-without-latency',
    oneCallDuring: 'one-query-with-latency',
    toxic: 'delay-every-database-answer-by-100-ms',
  },
  ch8: {
    file: 'ch8-session-cache-latency.json',
    expected: 'met',
    proxy: 'search_redis',
    requireServer: requireRedis,
    database: () => startRedis({ start }),
    service: (port, upstreamPort) => [
      join(here, 'recommendations.mjs'),
      String(port),
      `redis://127.0.0.1:${upstreamPort}`,
    ],
    urlVariable: 'SEARCH_URL',
    calls: (journal) => outputOf(journal, 'cache-calls-per-search')?.body?.callsPerRequest,
    before: 'searches-without-latency',
    during: 'searches-with-latency',
    oneCallBefore: 'one-cache-call-without-latency',
    oneCallDuring: 'one-cache-call-with-latency',
    toxic: 'delay-every-cache-answer-by-100-ms',
  },
};

const p50 = (journal, name) => outputOf(journal, name)?.latencyMs?.p50;
const round1 = (value) => Math.round(value * 10) / 10;
const round3 = (value) => Math.round(value * 1000) / 1000;

/**
 * What the journal shows, from medians (p50) so a burst of other work on the machine does not
 * decide it: N calls per request, X ms per call, what one call paid with the fault and what a
 * request paid, both against their own figure without the fault measured in the same run.
 */
function lessonFrom(lesson, journal) {
  const calls = lesson.calls(journal);
  const latency = journal.experiment.method.find((activity) => activity.name === lesson.toxic).provider
    .arguments.attributes.latency;
  const before = p50(journal, lesson.before);
  const during = p50(journal, lesson.during);
  const oneBefore = p50(journal, lesson.oneCallBefore);
  const oneDuring = p50(journal, lesson.oneCallDuring);
  const added = during - before;
  const perCall = oneDuring - oneBefore;
  return {
    calls,
    latencyPerCallMs: latency,
    p50BeforeMs: before,
    p50DuringMs: during,
    addedMs: round1(added),
    expectedMs: calls * latency,
    oneCallBeforeMs: oneBefore,
    oneCallDuringMs: oneDuring,
    perCallMs: round1(perCall),
    ratio: round3(added / (calls * perCall)),
    ratioToNX: round3(added / (calls * latency)),
  };
}

/** At most this many times N x what one call paid: the request pays for its N calls and little else. */
const MAX_RATIO = 1.15;

/**
 * Each check the lesson makes, with what was measured when it fails. A latency toxic is never
 * early, so a request making N sequential calls takes at least N x X; and what the fault added to
 * a request is at most N times what it added to one call, measured in the same run, plus 15%.
 */
function failedChecks(lesson, outcome, measured) {
  const failed = [];
  if (outcome !== lesson.expected) failed.push(`hypothesis ${outcome}, expected ${lesson.expected}`);
  if (!(measured.p50DuringMs >= measured.expectedMs))
    failed.push(
      `request p50 ${measured.p50DuringMs} ms with the fault, below N x X = ${measured.expectedMs} ms`,
    );
  if (!(measured.ratio <= MAX_RATIO))
    failed.push(
      `ratio ${measured.ratio} above ${MAX_RATIO} (added ${measured.addedMs} ms, N x one call ${round1(measured.calls * measured.perCallMs)} ms)`,
    );
  return failed;
}

let failures = 0;
const summary = [];
try {
  for (const name of chosen) {
    const lesson = lessons[name];
    if (!lesson) throw new Error(`unknown lesson ${name}; choose from ${Object.keys(lessons).join(', ')}`);
    lesson.requireServer();
  }
  const databases = {};
  for (const name of chosen) databases[name] = await lessons[name].database(join(out, name));
  const config = join(out, 'faultline.json');
  // Port 0 everywhere faultline and the services bind: each reports the port it got, so no port
  // seen free a moment earlier can be taken by another process first.
  writeFileSync(
    config,
    JSON.stringify(
      chosen.map((name) => ({
        name: lessons[name].proxy,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${databases[name].port}`,
      })),
      null,
      2,
    ),
  );
  const server = start(process.execPath, [faultlineCli, 'server', '--port', '0', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const [, api] = await announced(
    server,
    'stderr',
    /^faultline listening on (http:\/\/127\.0\.0\.1:\d+) /m,
    'faultline server',
    (text) => process.stderr.write(text),
  );
  const proxies = await (await fetch(`${api}/proxies`)).json();
  const proxyPort = (name) => Number(proxies[lessons[name].proxy].listen.split(':').pop());

  for (const name of chosen) {
    const lesson = lessons[name];
    const service = start(process.execPath, lesson.service(0, proxyPort(name)), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [, url] = await announced(service, 'stdout', /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m, name);
    await waitForHttp(`${url}/health`, 20_000);
    const journalPath = join(out, lesson.file.replace('.json', '.journal.json'));
    const { journal } = await runExperiment({
      start,
      file: join(here, lesson.file),
      journalPath,
      env: { FAULTLINE_URL: api, [lesson.urlVariable]: url },
    });
    const outcome = outcomeOf(journal);
    const measured = lessonFrom(lesson, journal);
    const failed = failedChecks(lesson, outcome, measured);
    if (failed.length > 0) failures += 1;
    summary.push({
      lesson: name,
      file: lesson.file,
      outcome,
      expected: lesson.expected,
      ...measured,
      failed,
    });
    process.stdout.write(
      `${failed.length === 0 ? 'as expected' : `UNEXPECTED (${failed.join('; ')})`}: ${lesson.file}: hypothesis ${outcome} (expected ${lesson.expected}); ` +
        `N = ${measured.calls} calls per request, X = ${measured.latencyPerCallMs} ms per call; ` +
        `one call p50 ${measured.oneCallBeforeMs} -> ${measured.oneCallDuringMs} ms (+${measured.perCallMs}); ` +
        `a request p50 ${measured.p50BeforeMs} -> ${measured.p50DuringMs} ms (+${measured.addedMs}) = ${measured.ratio} x N x one call, ${measured.ratioToNX} x N x X\n`,
    );
  }
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2));
} catch (error) {
  failures += 1;
  process.stderr.write(`database lessons: ${error.message}\n`);
} finally {
  await stopAll();
  writeFileSync(join(out, 'processes.json'), JSON.stringify(startedProcesses(), null, 2));
}
process.stdout.write(`journals and reports in ${out}\n`);
process.exitCode = failures === 0 ? 0 : 1;
