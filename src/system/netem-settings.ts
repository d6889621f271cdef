import { BadInput } from './bad-input.js';
import { checkRate } from './tc-rate.js';

/**
 * What `net delay` asks of netem, checked by netem's own rules before tc runs, and the arguments tc
 * is given for it, in the order of tc-netem(8):
 *   limit PACKETS, delay TIME [JITTER [CORRELATION]] [distribution NAME],
 *   loss { random PERCENT [CORRELATION] | gemodel p [r [1-h [1-k]]] }, corrupt PERCENT,
 *   duplicate PERCENT, reorder PERCENT [gap DISTANCE], rate RATE.
 */
export interface NetemSettings {
  limit?: number;
  /** Whole milliseconds. */
  ms?: number;
  /** Microseconds, more than 0. */
  jitterUs?: number;
  correlation?: number;
  distribution?: NetemDistribution;
  loss?: number;
  lossCorrelation?: number;
  lossGemodel?: number[];
  corrupt?: number;
  duplicate?: number;
  reorder?: number;
  gap?: number;
  rate?: string;
}

export const NETEM_DISTRIBUTIONS = ['uniform', 'normal', 'pareto', 'paretonormal'] as const;
export type NetemDistribution = (typeof NETEM_DISTRIBUTIONS)[number];

/** The arguments of net.delay that are netem's, as an experiment names them. */
export const NETEM_ARGUMENTS = [
  'ms',
  'jitter',
  'correlation',
  'distribution',
  'loss',
  'lossCorrelation',
  'lossGemodel',
  'duplicate',
  'corrupt',
  'reorder',
  'gap',
  'rate',
  'limit',
] as const;

type Raw = Partial<Record<(typeof NETEM_ARGUMENTS)[number], unknown>>;

const U32_MAX = 4_294_967_295;

/** How an error names an argument: the CLI flag and the experiment argument. */
function named(key: (typeof NETEM_ARGUMENTS)[number]): string {
  const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  return `${flag} ("${key}" in an experiment)`;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** A percentage as tc reads one: 0 to 100, with or without "%". */
function percent(value: unknown, key: (typeof NETEM_ARGUMENTS)[number]): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+(?:\.\d+)?|\.\d+)%?$/.exec(text);
  const number = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(number) || number > 100)
    throw new BadInput(
      `${named(key)} must be a percentage from 0 to 100 (such as 5 or 0.5%), not ${shown(value)}`,
    );
  return number;
}

function whole(value: unknown, key: (typeof NETEM_ARGUMENTS)[number], min: number, max: number): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const number = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max)
    throw new BadInput(`${named(key)} must be a whole number from ${min} to ${max}, not ${shown(value)}`);
  return number;
}

const TIME_UNITS_US: Record<string, number> = {
  s: 1e6,
  sec: 1e6,
  secs: 1e6,
  ms: 1e3,
  msec: 1e3,
  msecs: 1e3,
  us: 1,
  usec: 1,
  usecs: 1,
};

/** A time as tc reads one (10ms, 500us, 1s, any case), or a bare number of milliseconds as --ms takes. */
function microseconds(value: unknown, key: (typeof NETEM_ARGUMENTS)[number]): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+(?:\.\d+)?|\.\d+)([a-z]*)$/i.exec(text);
  const unit = match ? (match[2] === '' ? 1e3 : TIME_UNITS_US[match[2]!.toLowerCase()]) : undefined;
  const us = unit === undefined ? NaN : Number(match![1]) * unit;
  if (!Number.isInteger(us) || us < 1 || us > 60_000_000)
    throw new BadInput(
      `${named(key)} must be a time from 1us to 60s in tc's units (us, ms, s; such as 10ms or 500us; a bare number is milliseconds), not ${shown(value)}`,
    );
  return us;
}

function gemodel(value: unknown): number[] {
  const parts = Array.isArray(value)
    ? (value as unknown[])
    : typeof value === 'string'
      ? value.split(',')
      : typeof value === 'number'
        ? [value]
        : [];
  if (parts.length < 1 || parts.length > 4)
    throw new BadInput(
      `${named('lossGemodel')} takes 1 to 4 percentages, p[,r[,1-h[,1-k]]] as in tc-netem(8) (such as 1,20 or [1, 20, 70, 0.1]), not ${shown(value)}`,
    );
  return parts.map((part) => percent(part, 'lossGemodel'));
}

/** Reads and checks what was asked of netem; every rule netem or tc would refuse is named here first. */
export function netemSettings(raw: Raw): NetemSettings {
  const given = (key: (typeof NETEM_ARGUMENTS)[number]) => raw[key] !== undefined;
  const settings: NetemSettings = {};
  if (given('limit')) settings.limit = whole(raw.limit, 'limit', 1, U32_MAX);
  if (given('ms')) settings.ms = whole(raw.ms, 'ms', 1, 60_000);
  if (given('jitter')) settings.jitterUs = microseconds(raw.jitter, 'jitter');
  if (given('correlation')) settings.correlation = percent(raw.correlation, 'correlation');
  if (given('distribution')) {
    const name = String(raw.distribution).toLowerCase();
    if (!(NETEM_DISTRIBUTIONS as readonly string[]).includes(name))
      throw new BadInput(
        `${named('distribution')} must be one of ${NETEM_DISTRIBUTIONS.join(', ')}, not ${shown(raw.distribution)}`,
      );
    settings.distribution = name as NetemDistribution;
  }
  if (given('loss')) settings.loss = percent(raw.loss, 'loss');
  if (given('lossCorrelation')) settings.lossCorrelation = percent(raw.lossCorrelation, 'lossCorrelation');
  if (given('lossGemodel')) settings.lossGemodel = gemodel(raw.lossGemodel);
  if (given('corrupt')) settings.corrupt = percent(raw.corrupt, 'corrupt');
  if (given('duplicate')) settings.duplicate = percent(raw.duplicate, 'duplicate');
  if (given('reorder')) settings.reorder = percent(raw.reorder, 'reorder');
  if (given('gap')) settings.gap = whole(raw.gap, 'gap', 1, U32_MAX);
  if (given('rate')) {
    const rate = String(raw.rate);
    checkRate(rate);
    settings.rate = rate;
  }
  checkCombination(settings);
  return settings;
}

/** netem's rules between settings (tc-netem(8), and what tc refuses). */
function checkCombination(settings: NetemSettings): void {
  const has = (key: keyof NetemSettings) => settings[key] !== undefined;
  if (
    !['ms', 'loss', 'lossGemodel', 'corrupt', 'duplicate', 'reorder', 'rate'].some((key) =>
      has(key as keyof NetemSettings),
    )
  )
    throw new BadInput(
      'say what netem should do: a delay (--ms), --loss, --loss-gemodel, --duplicate, --corrupt, --reorder or --rate; nothing was changed',
    );
  if (has('jitterUs') && !has('ms'))
    throw new BadInput(`${named('jitter')} varies a delay: give the delay with ${named('ms')} too`);
  if (has('correlation') && !has('jitterUs'))
    throw new BadInput(
      `${named('correlation')} correlates the jitter of one packet with the last: give ${named('jitter')} too`,
    );
  if (has('distribution') && !has('jitterUs'))
    throw new BadInput(
      `${named('distribution')} is the shape of the jitter, and tc refuses it without one: give ${named('jitter')} too`,
    );
  if (has('loss') && has('lossGemodel'))
    throw new BadInput(
      `${named('loss')} and ${named('lossGemodel')} are two loss models: netem takes one; give one of them`,
    );
  if (has('lossCorrelation') && !has('loss'))
    throw new BadInput(`${named('lossCorrelation')} correlates random loss: give ${named('loss')} too`);
  if (has('reorder') && !has('ms'))
    throw new BadInput(
      `${named('reorder')} sends some packets at once while the rest wait, so netem needs a delay: give ${named('ms')} too`,
    );
  if (has('gap') && !has('reorder'))
    throw new BadInput(`${named('gap')} spaces reordered packets: give ${named('reorder')} too`);
}

/** Decimal notation always, as tc-netem(8) writes percentages, not the "1e-7" String() gives small numbers. */
function percentText(value: number): string {
  return `${value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })}%`;
}

function timeText(us: number): string {
  return us % 1000 === 0 ? `${us / 1000}ms` : `${us}us`;
}

/** The words after `netem` on tc's command line, in tc-netem(8)'s order. */
export function netemArguments(settings: NetemSettings): string[] {
  const words: string[] = [];
  if (settings.limit !== undefined) words.push('limit', String(settings.limit));
  if (settings.ms !== undefined) {
    words.push('delay', `${settings.ms}ms`);
    if (settings.jitterUs !== undefined) {
      words.push(timeText(settings.jitterUs));
      if (settings.correlation !== undefined) words.push(percentText(settings.correlation));
    }
    if (settings.distribution !== undefined) words.push('distribution', settings.distribution);
  }
  if (settings.loss !== undefined) {
    words.push('loss', 'random', percentText(settings.loss));
    if (settings.lossCorrelation !== undefined) words.push(percentText(settings.lossCorrelation));
  }
  if (settings.lossGemodel !== undefined)
    words.push('loss', 'gemodel', ...settings.lossGemodel.map(percentText));
  if (settings.corrupt !== undefined) words.push('corrupt', percentText(settings.corrupt));
  if (settings.duplicate !== undefined) words.push('duplicate', percentText(settings.duplicate));
  if (settings.reorder !== undefined) {
    words.push('reorder', percentText(settings.reorder));
    if (settings.gap !== undefined) words.push('gap', String(settings.gap));
  }
  if (settings.rate !== undefined) words.push('rate', settings.rate);
  return words;
}
