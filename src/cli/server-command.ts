// First, so the young generation is held before the rest of the server loads.
import './server-heap.js';
import { logLevelNames, readLogLevel } from './log-level.js';
import { integer } from './integer-option.js';
import { parseServerSeed, seedText, type ServerSeed } from './seed-option.js';
import { metricSetsFrom, metricsOptions } from './metrics-option.js';
import { type MetricSets, NO_METRICS } from '../server/metric-sets.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { createEngine, DEFAULT_BUSY_POLL_MICROSECONDS, type Engine } from '../proxy/engine.js';
import { populateFromFile } from '../server/populate-file.js';
import { localCaAccess } from '../server/local-ca-access.js';
import { type ControlServer, createControlServer } from '../server/app.js';
import { listenControl } from './listen.js';
import { out } from './context.js';
import { versionLine } from '../version.js';
import { FaultlineError, isFaultlineError } from '../model/errors.js';
import {
  type AccessOptions,
  addAccessOptions,
  isThisServer,
  lazyLedger,
  resolveToken,
} from './server-access.js';
import {
  addServerLimitOptions,
  type LimitOptions,
  limitSettingsFrom,
  type ServerLimitSettings,
} from './server-limits.js';
import { followHttpTraffic } from './young-generation.js';

export interface ServerSettings {
  host: string;
  port: number;
  config?: string;
  seed?: number;
  /** --seed as the user wrote it, when it was folded into `seed`: the log says both. */
  seedGiven?: string;
  busyPoll: number;
  logLevel: string;
  /** The control API's Host allow-list and the engine's limits; omitted ones keep defaults. */
  limits?: ServerLimitSettings;
  /** Every request must carry it; see server-access.ts for when one is required. */
  token?: string;
  /** The ledger POST /halt undoes; default that of `faultline rollback`. */
  ledgerDir?: string;
  /** The series GET /metrics serves (--metrics, --proxy-metrics, --runtime-metrics); none by default. */
  metrics?: MetricSets;
}

export interface RunningServer {
  engine: Engine;
  control: ControlServer;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(settings: ServerSettings): Promise<RunningServer> {
  // toxiproxy-server's zerolog keys, which log pipelines written for it read: the level by name,
  // an RFC 3339 time and the text under "message".
  const logger = pino({
    level: settings.logLevel,
    base: { service: 'faultline' },
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  const localCa = localCaAccess();
  const engine = createEngine({
    ...(settings.seed === undefined ? {} : { seed: settings.seed }),
    busyPollMicroseconds: settings.busyPoll,
    limits: settings.limits?.engine ?? {},
    issueCertificate: localCa.issue,
  });
  const apiNote = settings.limits?.maxApiConnectionsNote;
  if (apiNote !== undefined) {
    const fields = {
      max_api_connections: settings.limits?.maxApiConnections,
      ...(apiNote.openFileLimit === undefined ? {} : { open_file_limit: apiNote.openFileLimit }),
    };
    logger[apiNote.level](fields, apiNote.message);
  }
  let port = settings.port;
  const { token } = settings;
  const control = createControlServer({
    engine,
    logger,
    allowedHosts: settings.limits?.allowedHosts ?? [],
    ...(settings.limits?.maxApiConnections === undefined
      ? {}
      : { maxConnections: settings.limits.maxApiConnections }),
    caCertificate: localCa.certificatePem,
    metrics: settings.metrics ?? NO_METRICS,
    ...(token === undefined ? {} : { token }),
    ledger: lazyLedger(settings.ledgerDir, (server) =>
      token !== undefined && isThisServer(server, settings.host, port) ? token : undefined,
    ),
  });
  try {
    if (settings.config) {
      const proxies = await populateFromFile(engine, settings.config);
      logger.info({ config: settings.config, proxies: proxies.length }, 'Populated proxies from file');
      for (const proxy of proxies) {
        for (const warning of proxy.warnings)
          logger.warn({ config: settings.config, proxy: proxy.name }, warning);
      }
    }
    const url = await listenControl(control.http, settings.host, settings.port);
    port = Number(new URL(url).port);
    const folded = settings.seedGiven !== undefined && settings.seedGiven !== String(engine.seed);
    logger.info(
      {
        url,
        seed: engine.seed,
        ...(folded ? { seed_given: settings.seedGiven } : {}),
        metrics: settings.metrics ?? NO_METRICS,
      },
      'faultline server listening',
    );
    const stopHeapPolicy = followHttpTraffic(engine);
    return {
      engine,
      control,
      url,
      stop: async () => {
        stopHeapPolicy();
        engine.close();
        await control.close();
      },
    };
  } catch (error) {
    engine.close();
    await control.close();
    throw error;
  }
}

/** Stops cleanly on the first SIGINT or SIGTERM; a second one exits at once. */
export function stopOnSignals(running: RunningServer, say: (line: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    say(`${signal} received, closing proxies and the control API`);
    void running.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function serverCommand(): Command {
  const [allMetrics, proxyMetrics, runtimeMetrics] = metricsOptions();
  return (
    addAccessOptions(addServerLimitOptions(new Command('server')))
      .description('run the fault proxy and its Toxiproxy-compatible control API')
      .addOption(
        new Option(
          '--host <address>',
          'address the control API listens on (0.0.0.0 for every interface; also -host)',
        )
          .env('FAULTLINE_HOST')
          .default('127.0.0.1')
          .argParser(listenHost),
      )
      .addOption(
        new Option('--port <port>', 'port of the control API')
          .env('FAULTLINE_PORT')
          .default(8474)
          .argParser(integer('--port', 0, 65535)),
      )
      .addOption(
        new Option(
          '--config <file>',
          'proxies (and their toxics) to create at start, YAML or JSON (read by content)',
        ).env('FAULTLINE_CONFIG'),
      )
      .addOption(
        new Option(
          '--seed <n>',
          "seed for jitter, toxicity and slicer decisions, to replay a run: an int64 as toxiproxy-server's -seed takes it (42, -7, 0x2a, 052 octal, 1_000)",
        ).env('FAULTLINE_SEED'),
      )
      .addOption(
        new Option(
          '--busy-poll-us <microseconds>',
          'keep polling sockets this long after traffic through a tcp proxy (lower latency, more CPU); 0 turns it off',
        )
          .env('FAULTLINE_BUSY_POLL_US')
          .default(DEFAULT_BUSY_POLL_MICROSECONDS)
          .argParser(integer('--busy-poll-us', 0, 1_000_000)),
      )
      // toxiproxy-server serves /metrics only with its two flags, each set alone: so does faultline.
      .addOption(allMetrics)
      .addOption(proxyMetrics)
      .addOption(runtimeMetrics)
      .addOption(
        new Option(
          '--version',
          'print the version and exit, as toxiproxy-server -version does (also -version)',
        ),
      )
      .addOption(
        new Option(
          '--log-level <level>',
          `log level of the JSON logs on stdout: ${logLevelNames.join(', ')} (any case; panic logs what fatal does)`,
        )
          .env('LOG_LEVEL')
          .default('info'),
      )
      .addHelpText(
        'after',
        '\nExample:\n  faultline server --port 8474 --config examples/demo/faultline.yaml --seed 42\n',
      )
      .action(
        async (
          options: {
            host: string;
            port: number;
            config?: string;
            seed?: string;
            busyPollUs: number;
            logLevel: string;
            version?: boolean;
            metrics?: boolean;
            proxyMetrics?: boolean;
            runtimeMetrics?: boolean;
          } & AccessOptions,
          command: Command,
        ) => {
          if (options.version) return out(versionLine);
          const say = (line: string) => process.stderr.write(`faultline: ${line}\n`);
          const logLevel = readLogLevel(options.logLevel, command, say);
          const token = resolveToken(options.host, options, say);
          const metrics = metricSetsFrom(options);
          // Read here, not by an argParser, to say whether -seed or FAULTLINE_SEED was bad.
          const seed: ServerSeed | undefined =
            options.seed === undefined
              ? undefined
              : parseServerSeed(
                  options.seed,
                  command.getOptionValueSource('seed') === 'env' ? 'FAULTLINE_SEED' : '-seed',
                );
          const running = await namingConfigSource(
            command,
            startServer({
              host: options.host,
              port: options.port,
              busyPoll: options.busyPollUs,
              logLevel,
              metrics,
              limits: limitSettingsFrom(
                options as typeof options & LimitOptions,
                command.getOptionValueSource('maxApiConnections') !== 'default',
              ),
              ...(options.config === undefined ? {} : { config: options.config }),
              ...(seed === undefined ? {} : { seed: seed.seed, seedGiven: seed.given }),
              ...(token === undefined ? {} : { token }),
              ...(options.ledgerDir === undefined ? {} : { ledgerDir: options.ledgerDir }),
            }),
          );
          // Handlers first: whoever reads the line below may signal at once.
          stopOnSignals(running, (line) => process.stderr.write(`${line}\n`));
          if (options.token === 'generate')
            say(
              `token: ${token} (clients send it as FAULTLINE_TOKEN, in the URL http://:TOKEN@host:port, or as the path prefix /t/TOKEN)`,
            );
          process.stderr.write(
            `faultline listening on ${running.url} (seed ${seedText(running.engine.seed, seed?.given)}${token === undefined ? '' : ', token required'})\n`,
          );
        },
      )
  );
}

/**
 * A config file named by FAULTLINE_CONFIG, left set in the shell, is not on the command line:
 * an error about it says where its name came from, and how to start without it.
 */
async function namingConfigSource<T>(command: Command, starting: Promise<T>): Promise<T> {
  try {
    return await starting;
  } catch (error) {
    const config = command.getOptionValue('config') as string | undefined;
    if (command.getOptionValueSource('config') !== 'env' || !isFaultlineError(error)) throw error;
    if (!error.message.includes(`config file ${config}`)) throw error;
    throw new FaultlineError(
      error.code,
      `${error.message} (FAULTLINE_CONFIG names it; unset FAULTLINE_CONFIG to start without a config file)`,
    );
  }
}

/**
 * An empty --host, as `-host=$TOXIPROXY_HOST` gives with the variable unset, is refused: Go's
 * net.JoinHostPort makes toxiproxy-server listen on every interface then, which nobody may have
 * meant, and faultline failed later with a bare "Invalid URL" (or called "" a non-loopback address).
 */
function listenHost(value: string): string {
  if (value.trim() !== '') return value;
  throw new InvalidArgumentError(
    '--host (or FAULTLINE_HOST) is empty, as an unset variable in "-host=$VAR" gives: give the address to listen on, such as 127.0.0.1, or 0.0.0.0 for every interface (where toxiproxy-server listens when -host is empty), which needs --token',
  );
}
