import { BadInput } from './bad-input.js';
import { list, named, percent, percentText, shown, time, timeText, whole } from './netem-values.js';
import { checkRate } from './tc-rate.js';

/**
 * What `net delay` asks of netem, checked by netem's own rules before tc runs, and the arguments tc
 * is given for it, in the order of tc-netem(8):
 *   limit PACKETS, delay TIME [JITTER [CORRELATION]] [distribution NAME],
 *   loss { random PERCENT [CORRELATION] | state p13 [p31 [p32 [p23 [p14]]]] | gemodel p [r [1-h [1-k]]] } [ecn],
 *   corrupt PERCENT [CORRELATION], duplicate PERCENT [CORRELATION],
 *   reorder PERCENT [CORRELATION] [gap DISTANCE], rate RATE [PACKETOVERHEAD [CELLSIZE [CELLOVERHEAD]]],
 *   slot { MIN_DELAY [MAX_DELAY] | distribution NAME DELAY JITTER } [packets N] [bytes N].
 */
export interface NetemSettings {
  limit?: number;
  /** Microseconds, as every time here. */
  delayUs?: number;
  jitterUs?: number;
  correlation?: number;
  distribution?: NetemDistribution;
  loss?: number;
  lossCorrelation?: number;
  lossState?: number[];
  lossGemodel?: number[];
  ecn?: boolean;
  corrupt?: number;
  corruptCorrelation?: number;
  duplicate?: number;
  duplicateCorrelation?: number;
  reorder?: number;
  reorderCorrelation?: number;
  gap?: number;
  rate?: string;
  ratePacketOverhead?: number;
  rateCellSize?: number;
  rateCellOverhead?: number;
  /** MIN_DELAY [MAX_DELAY], or the DELAY of a slot distribution. */
  slotUs?: number[];
  slotDistribution?: NetemDistribution;
  slotJitterUs?: number;
  slotPackets?: number;
  slotBytes?: number;
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
  'lossState',
  'lossGemodel',
  'ecn',
  'duplicate',
  'duplicateCorrelation',
  'corrupt',
  'corruptCorrelation',
  'reorder',
  'reorderCorrelation',
  'gap',
  'rate',
  'ratePacketOverhead',
  'rateCellSize',
  'rateCellOverhead',
  'slot',
  'slotDistribution',
  'slotJitter',
  'slotPackets',
  'slotBytes',
  'limit',
] as const;

type Key = (typeof NETEM_ARGUMENTS)[number];
type Raw = Partial<Record<Key, unknown>>;

const U32_MAX = 4_294_967_295;
const S32_MIN = -2_147_483_648;
const S32_MAX = 2_147_483_647;

function distribution(value: unknown, key: Key): NetemDistribution {
  const name = String(value).toLowerCase();
  if (!(NETEM_DISTRIBUTIONS as readonly string[]).includes(name))
    throw new BadInput(`${named(key)} must be one of ${NETEM_DISTRIBUTIONS.join(', ')}, not ${shown(value)}`);
  return name as NetemDistribution;
}

function percents(value: unknown, key: Key, most: number, form: string): number[] {
  return list(value, key, most, form).map((part) => percent(part, key));
}

function flag(value: unknown, key: Key): boolean {
  if (typeof value !== 'boolean') throw new BadInput(`${named(key)} is true or false, not ${shown(value)}`);
  return value;
}

function slot(value: unknown): number[] {
  const times = list(value, 'slot', 2, 'MIN_DELAY[,MAX_DELAY] (such as 10ms or 5ms,20ms)').map((part) =>
    time(part, 'slot'),
  );
  if (times.length === 2 && times[1]! < times[0]!)
    throw new BadInput(
      `${named('slot')} is MIN_DELAY,MAX_DELAY: the second may not be shorter than the first, as tc refuses; not ${shown(value)}`,
    );
  return times;
}

/** Reads and checks what was asked of netem; every rule netem or tc would refuse is named here first. */
export function netemSettings(raw: Raw): NetemSettings {
  const given = (key: Key) => raw[key] !== undefined;
  const settings: NetemSettings = {};
  if (given('limit')) settings.limit = whole(raw.limit, 'limit', 1, U32_MAX);
  if (given('ms')) settings.delayUs = time(raw.ms, 'ms');
  if (given('jitter')) settings.jitterUs = time(raw.jitter, 'jitter');
  if (given('correlation')) settings.correlation = percent(raw.correlation, 'correlation');
  if (given('distribution')) settings.distribution = distribution(raw.distribution, 'distribution');
  if (given('loss')) settings.loss = percent(raw.loss, 'loss');
  if (given('lossCorrelation')) settings.lossCorrelation = percent(raw.lossCorrelation, 'lossCorrelation');
  if (given('lossState'))
    settings.lossState = percents(
      raw.lossState,
      'lossState',
      5,
      '1 to 5 percentages, p13[,p31[,p32[,p23[,p14]]]] as in tc-netem(8) (such as 1,20 or [1, 20, 0, 100, 0.5])',
    );
  if (given('lossGemodel'))
    settings.lossGemodel = percents(
      raw.lossGemodel,
      'lossGemodel',
      4,
      '1 to 4 percentages, p[,r[,1-h[,1-k]]] as in tc-netem(8) (such as 1,20 or [1, 20, 70, 0.1])',
    );
  if (given('ecn') && flag(raw.ecn, 'ecn')) settings.ecn = true;
  if (given('corrupt')) settings.corrupt = percent(raw.corrupt, 'corrupt');
  if (given('corruptCorrelation'))
    settings.corruptCorrelation = percent(raw.corruptCorrelation, 'corruptCorrelation');
  if (given('duplicate')) settings.duplicate = percent(raw.duplicate, 'duplicate');
  if (given('duplicateCorrelation'))
    settings.duplicateCorrelation = percent(raw.duplicateCorrelation, 'duplicateCorrelation');
  if (given('reorder')) settings.reorder = percent(raw.reorder, 'reorder');
  if (given('reorderCorrelation'))
    settings.reorderCorrelation = percent(raw.reorderCorrelation, 'reorderCorrelation');
  if (given('gap')) settings.gap = whole(raw.gap, 'gap', 1, U32_MAX);
  if (given('rate')) {
    const rate = String(raw.rate);
    checkRate(rate);
    settings.rate = rate;
  }
  if (given('ratePacketOverhead'))
    settings.ratePacketOverhead = whole(raw.ratePacketOverhead, 'ratePacketOverhead', S32_MIN, S32_MAX);
  if (given('rateCellSize')) settings.rateCellSize = whole(raw.rateCellSize, 'rateCellSize', 1, U32_MAX);
  if (given('rateCellOverhead'))
    settings.rateCellOverhead = whole(raw.rateCellOverhead, 'rateCellOverhead', S32_MIN, S32_MAX);
  if (given('slot')) settings.slotUs = slot(raw.slot);
  if (given('slotDistribution'))
    settings.slotDistribution = distribution(raw.slotDistribution, 'slotDistribution');
  if (given('slotJitter')) settings.slotJitterUs = time(raw.slotJitter, 'slotJitter');
  if (given('slotPackets')) settings.slotPackets = whole(raw.slotPackets, 'slotPackets', 1, S32_MAX);
  if (given('slotBytes')) settings.slotBytes = whole(raw.slotBytes, 'slotBytes', 1, S32_MAX);
  checkCombination(settings);
  return settings;
}

/** A setting that means nothing without another: `setting` needs `base`, for the reason given. */
function needs(settings: NetemSettings, setting: keyof NetemSettings, base: keyof NetemSettings): boolean {
  return settings[setting] !== undefined && settings[base] === undefined;
}

/** netem's rules between settings (tc-netem(8), and what tc refuses). */
function checkCombination(settings: NetemSettings): void {
  const has = (key: keyof NetemSettings) => settings[key] !== undefined;
  const acting: Array<keyof NetemSettings> = [
    'delayUs',
    'loss',
    'lossState',
    'lossGemodel',
    'corrupt',
    'duplicate',
    'reorder',
    'rate',
    'slotUs',
  ];
  if (!acting.some(has))
    throw new BadInput(
      'say what netem should do: a delay (--ms), --loss, --loss-state, --loss-gemodel, --duplicate, --corrupt, --reorder, --rate or --slot; nothing was changed',
    );
  if (needs(settings, 'jitterUs', 'delayUs'))
    throw new BadInput(`${named('jitter')} varies a delay: give the delay with ${named('ms')} too`);
  if (needs(settings, 'correlation', 'jitterUs'))
    throw new BadInput(
      `${named('correlation')} correlates the jitter of one packet with the last: give ${named('jitter')} too`,
    );
  if (needs(settings, 'distribution', 'jitterUs'))
    throw new BadInput(
      `${named('distribution')} is the shape of the jitter, and tc refuses it without one: give ${named('jitter')} too`,
    );
  const models = (['loss', 'lossState', 'lossGemodel'] as const).filter(has);
  if (models.length > 1)
    throw new BadInput(
      `${models.map((model) => named(model)).join(' and ')} are ${models.length === 2 ? 'two' : 'three'} loss models: netem takes one; give one of them`,
    );
  if (needs(settings, 'lossCorrelation', 'loss'))
    throw new BadInput(`${named('lossCorrelation')} correlates random loss: give ${named('loss')} too`);
  if (settings.ecn && (models.length === 0 || settings.loss === 0))
    throw new BadInput(
      `${named('ecn')} marks packets where a loss model would drop them, and tc refuses it without one: give ${named('loss')} above 0, ${named('lossState')} or ${named('lossGemodel')} too`,
    );
  for (const [correlation, base] of [
    ['corruptCorrelation', 'corrupt'],
    ['duplicateCorrelation', 'duplicate'],
    ['reorderCorrelation', 'reorder'],
  ] as const)
    if (needs(settings, correlation, base))
      throw new BadInput(`${named(correlation)} correlates ${base}: give ${named(base)} too`);
  if (needs(settings, 'reorder', 'delayUs'))
    throw new BadInput(
      `${named('reorder')} sends some packets at once while the rest wait, so netem needs a delay: give ${named('ms')} too`,
    );
  if (needs(settings, 'gap', 'reorder'))
    throw new BadInput(`${named('gap')} spaces reordered packets: give ${named('reorder')} too`);
  for (const overhead of ['ratePacketOverhead', 'rateCellSize'] as const)
    if (needs(settings, overhead, 'rate'))
      throw new BadInput(`${named(overhead)} is part of netem's rate: give ${named('rate')} too`);
  if (needs(settings, 'rateCellOverhead', 'rateCellSize'))
    throw new BadInput(
      `${named('rateCellOverhead')} is added to each cell, and there are no cells without ${named('rateCellSize')}: give it too`,
    );
  checkSlot(settings);
}

function checkSlot(settings: NetemSettings): void {
  for (const part of ['slotDistribution', 'slotJitterUs', 'slotPackets', 'slotBytes'] as const)
    if (needs(settings, part, 'slotUs'))
      throw new BadInput(
        `${named(part === 'slotJitterUs' ? 'slotJitter' : part)} shapes netem's slots: give ${named('slot')} too`,
      );
  if (needs(settings, 'slotDistribution', 'slotJitterUs'))
    throw new BadInput(
      `${named('slotDistribution')} is the shape of the slot's jitter: give ${named('slotJitter')} too (tc: slot distribution NAME DELAY JITTER)`,
    );
  if (needs(settings, 'slotJitterUs', 'slotDistribution'))
    throw new BadInput(
      `${named('slotJitter')} varies the slot by a distribution: give ${named('slotDistribution')} too (tc: slot distribution NAME DELAY JITTER), or a range with ${named('slot')} MIN,MAX`,
    );
  if (settings.slotDistribution !== undefined && settings.slotUs!.length > 1)
    throw new BadInput(
      `${named('slot')} with ${named('slotDistribution')} is one DELAY, the middle of the distribution, not MIN,MAX`,
    );
}

/** The words after `netem` on tc's command line, in tc-netem(8)'s order. */
export function netemArguments(settings: NetemSettings): string[] {
  const words: string[] = [];
  const withCorrelation = (name: string, value: number | undefined, correlation: number | undefined) => {
    if (value === undefined) return;
    words.push(name, percentText(value));
    if (correlation !== undefined) words.push(percentText(correlation));
  };
  if (settings.limit !== undefined) words.push('limit', String(settings.limit));
  if (settings.delayUs !== undefined) {
    words.push('delay', timeText(settings.delayUs));
    if (settings.jitterUs !== undefined) {
      words.push(timeText(settings.jitterUs));
      if (settings.correlation !== undefined) words.push(percentText(settings.correlation));
    }
    if (settings.distribution !== undefined) words.push('distribution', settings.distribution);
  }
  if (settings.loss !== undefined) withCorrelation('loss random', settings.loss, settings.lossCorrelation);
  if (settings.lossState !== undefined) words.push('loss', 'state', ...settings.lossState.map(percentText));
  if (settings.lossGemodel !== undefined)
    words.push('loss', 'gemodel', ...settings.lossGemodel.map(percentText));
  if (settings.ecn) words.push('ecn');
  withCorrelation('corrupt', settings.corrupt, settings.corruptCorrelation);
  withCorrelation('duplicate', settings.duplicate, settings.duplicateCorrelation);
  withCorrelation('reorder', settings.reorder, settings.reorderCorrelation);
  if (settings.gap !== undefined) words.push('gap', String(settings.gap));
  if (settings.rate !== undefined) words.push('rate', settings.rate, ...rateOverheads(settings));
  if (settings.slotUs !== undefined) {
    words.push('slot');
    if (settings.slotDistribution === undefined) words.push(...settings.slotUs.map(timeText));
    else
      words.push(
        'distribution',
        settings.slotDistribution,
        timeText(settings.slotUs[0]!),
        timeText(settings.slotJitterUs!),
      );
    if (settings.slotPackets !== undefined) words.push('packets', String(settings.slotPackets));
    if (settings.slotBytes !== undefined) words.push('bytes', String(settings.slotBytes));
  }
  return words.flatMap((word) => word.split(' '));
}

/** rate's PACKETOVERHEAD [CELLSIZE [CELLOVERHEAD]]: positional, so one given after another needs 0 before it. */
function rateOverheads(settings: NetemSettings): string[] {
  const values = [settings.ratePacketOverhead, settings.rateCellSize, settings.rateCellOverhead];
  const last = values.findLastIndex((value) => value !== undefined);
  return values.slice(0, last + 1).map((value) => String(value ?? 0));
}
