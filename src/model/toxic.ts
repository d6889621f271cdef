// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import { closest } from './closest-key.js';
import { describeValue, FaultlineError } from './errors.js';
import { canonicalKeys, goFieldError, type GoShape, lazySchema, parseWith } from './fields.js';
import {
  type Counter,
  counterKeys,
  describeCounted,
  describeMatch,
  type Match,
  parseCounter,
  parseMatch,
} from './match.js';
import { checkName } from './names.js';
import { attributeProblem, copyValue, expectedValue, isIntegerSpec } from './toxics/attribute-value.js';
import type { AttributeSpec, JsonValue, ToxicDefinition } from './toxics/definition.js';
import type { ProxyProtocol } from './protocol.js';
import {
  type Attributes,
  type ConnectionToxicType,
  definitionOf,
  isConnectionToxic,
  isToxicType,
  type ToxicType,
  toxicTypes,
} from './toxics/index.js';

export type Stream = 'upstream' | 'downstream';
export const streams: readonly Stream[] = ['upstream', 'downstream'];

/** A toxic as the API shows it, with every attribute filled in, in definition order. */
export interface ToxicSpec {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Attributes;
  /** Which connections or requests the toxic applies to; all when undefined. */
  match?: Match;
  /** first/after/every over what the match selects; undefined applies to each one. */
  counter?: Counter;
}

/** A toxic that acts on the bytes of a connection (Toxiproxy's kind). */
export type ConnectionToxicSpec = ToxicSpec & { type: ConnectionToxicType };

export function isConnectionToxicSpec(toxic: ToxicSpec): toxic is ConnectionToxicSpec {
  return isConnectionToxic(toxic.type);
}

/**
 * Match and counters travel inside `attributes` on the wire (and only when set, so a plain
 * toxic's JSON is Toxiproxy's): clients that only know `attributes`, such as Toxiproxy's own,
 * can set them.
 */
export const targetingKeys = ['match', ...counterKeys] as const;

const toxicFields = ['name', 'type', 'stream', 'toxicity', 'attributes'] as const;

const createShape = lazySchema(() =>
  z.object({
    name: z.optional(z.string({ error: 'name must be a string' })),
    type: z.optional(z.unknown()),
    stream: z.optional(z.string({ error: 'stream must be "upstream" or "downstream"' })),
    toxicity: z.optional(
      z.number({ error: 'toxicity must be a number' }).check(
        z.minimum(0, {
          error:
            'toxicity is a probability from 0 to 1 (Toxiproxy 2.12 took a value below 0 as 0: the toxic never applies)',
        }),
        z.maximum(1, {
          error:
            'toxicity is a probability from 0 to 1, not a percentage: 0.5 applies the toxic to half the connections (Toxiproxy 2.12 took a value above 1 as 1)',
        }),
      ),
    ),
    attributes: z.optional(z.record(z.string(), z.unknown(), { error: 'attributes must be a JSON object' })),
  }),
);

/** What Toxiproxy decodes a toxic body into, for Go's wording of type errors. */
const goToxic: GoShape = {
  value: 'toxics.ToxicWrapper',
  struct: 'ToxicWrapper',
  // type is checked against the list of types, with a message of its own.
  fields: {
    name: 'string',
    stream: 'string',
    toxicity: 'float32',
    attributes: 'toxics.NoopToxic',
  },
};

/** `; did you mean "latency"?` for a type that is a typo of a known one (`latncy`, `Latency`), else nothing. */
function typeSuggestion(type: unknown): string {
  const near = typeof type === 'string' ? closest(type, toxicTypes) : undefined;
  return near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
}

/** Parses a toxic as POST /proxies/{proxy}/toxics receives it, checking in Toxiproxy's order. */
/**
 * `nameFree` is asked after the name is known and before the attributes are checked, so a taken
 * name is a 409 even when an attribute is wrong, in the order Toxiproxy checks them.
 */
export function parseToxicCreate(
  body: unknown,
  where = 'toxic',
  nameFree: (name: string) => void = () => {},
): ToxicSpec {
  const fields = parseWith(createShape(), canonicalKeys(body, toxicFields, where, goToxic), where, goToxic);
  const stream = parseStream(fields.stream ?? 'downstream');
  if (!isToxicType(fields.type)) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_TOXIC_TYPE', 'invalid toxic type', {
      hint: `received ${describeValue(fields.type)}; accepted types: ${toxicTypes.join(', ')}${typeSuggestion(fields.type)}`,
    });
  }
  if (definitionOf(fields.type).layer === 'request' && stream !== 'downstream') {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_STREAM',
      `stream does not apply to ${fields.type} toxics`,
      {
        hint: `received ${describeValue(fields.stream)}; a request toxic acts on whole requests and answers, so leave stream out (or send the default "downstream")`,
      },
    );
  }
  const name = checkName(fields.name || `${fields.type}_${stream}`, `toxic name in ${where}`);
  nameFree(name);
  return {
    name,
    type: fields.type,
    stream,
    toxicity: fields.toxicity ?? 1,
    ...validateAttributes(fields.type, fields.attributes ?? {}, undefined, name),
  };
}

/**
 * Applies PATCH/POST /proxies/{proxy}/toxics/{toxic}: attributes and toxicity merge onto the
 * current toxic. Clients that send the whole toxic back may repeat name, type and stream, but
 * may not change them.
 */
export function parseToxicUpdate(body: unknown, current: ToxicSpec): ToxicSpec {
  const where = `update of toxic ${JSON.stringify(current.name)}`;
  const fields = parseWith(createShape(), canonicalKeys(body, toxicFields, where, goToxic), where, goToxic);
  const unchangeable: Array<[string, unknown, string]> = [
    ['name', fields.name, current.name],
    ['type', fields.type, current.type],
    ['stream', fields.stream === undefined ? undefined : fields.stream.toLowerCase(), current.stream],
  ];
  for (const [field, sent, actual] of unchangeable) {
    if (sent !== undefined && sent !== actual) {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `the ${field} of a toxic cannot change`, {
        hint: `it is ${JSON.stringify(actual)}, received ${describeValue(sent)}; remove the toxic and add a new one instead (Toxiproxy 2.12 ignores a new ${field} and answers 200, so the change looked done)`,
      });
    }
  }
  return {
    name: current.name,
    type: current.type,
    stream: current.stream,
    toxicity: fields.toxicity ?? current.toxicity,
    ...validateAttributes(current.type, fields.attributes ?? {}, current, current.name),
  };
}

export function toxicExists(proxy: string, toxic: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_TOXIC_EXISTS', 'toxic already exists', {
    hint: `proxy ${JSON.stringify(proxy)} has a toxic named ${JSON.stringify(toxic)}; update it, remove it first, or pick another name`,
  });
}

export function parseStream(value: string): Stream {
  const stream = value.toLowerCase();
  if (stream !== 'upstream' && stream !== 'downstream') {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_STREAM',
      'stream was invalid, can be either upstream or downstream',
      { hint: `received ${describeValue(value)}` },
    );
  }
  return stream;
}

type Targeting = Pick<ToxicSpec, 'attributes' | 'match' | 'counter'>;

/**
 * Fills defaults (or the current values), then checks every attribute against its kind: integer
 * attributes are whole numbers in range (with Toxiproxy's error text), others one of their
 * choices, text or checked JSON. Match and counters are taken out of the attributes here; on an
 * update, each one not sent keeps its current value.
 */
export function validateAttributes(
  type: ToxicType,
  raw: Record<string, unknown>,
  base: Targeting | undefined,
  toxicName: string,
): Targeting {
  const definition = definitionOf(type);
  const where = `${type} toxic ${JSON.stringify(toxicName)}`;
  const { own, targeting } = splitTargeting(raw);
  const sent = canonicalKeys(
    own,
    definition.attributes.map((spec) => spec.name),
    `attributes of ${where}`,
    undefined,
    definition.attributes.length === 0
      ? `; a ${type} toxic has no attributes of its own, only the ones every toxic takes (${targetingKeys.join(', ')}). ${definition.summary}`
      : ` (and, on every toxic, ${targetingKeys.join(', ')})`,
    targetingKeys,
  );
  const result: Attributes = {};
  for (const spec of definition.attributes) {
    const sentNull = isSentAsNull(spec.name, own);
    if (sentNull) refuseAmbiguousNull(spec, base, where);
    const value =
      sentNull && spec.default === null
        ? null
        : (sent[spec.name] ?? base?.attributes[spec.name] ?? spec.default);
    const problem = attributeProblem(spec, value);
    if (problem !== undefined) {
      const what = `attribute ${spec.name} of ${where}`;
      // Go's type error is for what an int64 cannot hold; 2^60 it decodes, so that is out of range.
      const goTypeError = isIntegerSpec(spec) && !fitsInt64(value);
      const reason = goTypeError
        ? goFieldError(value, `${goToxicNames[type] ?? type}.attributes`, spec.name, 'int64')
        : `invalid ${what}`;
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', reason, {
        hint: goTypeError ? `${what}: ${problem}` : problem,
      });
    }
    result[spec.name] = copyValue(value as Attributes[string]);
  }
  const problem = definition.check?.(result);
  if (problem !== undefined) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid attributes of ${where}`, {
      hint: problem,
    });
  }
  const match =
    targeting.match === undefined
      ? base?.match
      : parseMatch(base === undefined ? targeting.match : mergedMatch(base.match, targeting.match), where);
  const counter = parseCounter({ ...base?.counter, ...targeting }, where, base === undefined);
  return {
    attributes: result,
    ...(match === undefined ? {} : { match }),
    ...(counter === undefined ? {} : { counter }),
  };
}

/**
 * null is "not sent" (Toxiproxy's rule: Go's decoder leaves the field alone) only where that
 * cannot be misread: an attribute whose default is its zero value (null, 0, "", {}), so null gives
 * what Toxiproxy gives. Where the default is something else (udp_latency's limit 1000, reorder's
 * gap 1, http_abort's status 503), null could mean the default, zero or "no limit": refused.
 */
function refuseAmbiguousNull(spec: AttributeSpec, base: Targeting | undefined, where: string): void {
  if (isZeroValue(spec.default)) return;
  const instead =
    base === undefined
      ? `leave ${spec.name} out for its default ${JSON.stringify(spec.default)}`
      : `leave ${spec.name} out to keep ${JSON.stringify(base.attributes[spec.name])}`;
  throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', `invalid attribute ${spec.name} of ${where}`, {
    hint: `received null, which could mean the default ${JSON.stringify(spec.default)}, zero or none; ${instead}, or give ${expectedValue(spec)}`,
  });
}

const isZeroValue = (value: JsonValue) =>
  value === null || value === 0 || value === '' || JSON.stringify(value) === '{}';

/**
 * Whether the attribute was sent as null, in any letter case. null unsets an attribute whose unset
 * value is null (http_modify's body, json_patch); see refuseAmbiguousNull for the others.
 */
function isSentAsNull(name: string, own: Record<string, unknown>): boolean {
  const lower = name.toLowerCase();
  return Object.entries(own).some(([key, value]) => value === null && key.toLowerCase() === lower);
}

/**
 * An update's match merges onto the current one key by key, as Toxiproxy merges attributes: a
 * key sent replaces that key, `"key": null` removes it, keys not sent stay. `{}` removes the
 * whole match. Anything but an object is left for parseMatch to refuse.
 */
export function mergedMatch(current: Match | undefined, sent: unknown): unknown {
  if (typeof sent !== 'object' || sent === null || Array.isArray(sent)) return sent;
  const changes = Object.entries(sent);
  if (changes.length === 0) return {};
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of changes) {
    const lower = key.toLowerCase();
    if (value === null) delete merged[lower];
    else merged[lower] = value;
  }
  return merged;
}

/** Takes match and counters (any letter case, as Go decodes) out of the attributes; null is "not sent". */
function splitTargeting(raw: Record<string, unknown>): {
  own: Record<string, unknown>;
  targeting: Partial<Record<(typeof targetingKeys)[number], unknown>>;
} {
  const own: Record<string, unknown> = {};
  const targeting: Partial<Record<(typeof targetingKeys)[number], unknown>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const known = targetingKeys.find((candidate) => candidate === key.toLowerCase());
    if (known === undefined) own[key] = value;
    else if (value !== null) targeting[known] = value;
  }
  return { own, targeting };
}

/** The attributes as the API shows them: the toxic's own, then match and counters when set. */
export function wireAttributes(toxic: ToxicSpec): Attributes {
  const attributes: Attributes = { ...toxic.attributes };
  for (const spec of definitionOf(toxic.type).attributes) {
    if (spec.kind === 'choice' && spec.omitDefault && attributes[spec.name] === spec.default) {
      delete attributes[spec.name];
    }
  }
  if (toxic.match) attributes.match = toxic.match as unknown as Attributes[string];
  for (const key of counterKeys) {
    const value = toxic.counter?.[key];
    if (value !== undefined) attributes[key] = value;
  }
  return attributes;
}

/** The Go struct each toxic's integer attributes decode into (noop and refuse have none). */
const goToxicNames: Partial<Record<ToxicType, string>> = {
  latency: 'LatencyToxic',
  bandwidth: 'BandwidthToxic',
  slow_close: 'SlowCloseToxic',
  timeout: 'TimeoutToxic',
  reset_peer: 'ResetToxic',
  slicer: 'SlicerToxic',
  limit_data: 'LimitDataToxic',
  connect_delay: 'ConnectDelayToxic',
  corrupt: 'CorruptToxic',
  udp_latency: 'UdpLatencyToxic',
  loss: 'LossToxic',
  duplicate: 'DuplicateToxic',
  reorder: 'ReorderToxic',
  udp_bandwidth: 'UdpBandwidthToxic',
};

/**
 * The toxic in one sentence: what it acts on (every connection, a flow of a udp proxy, or each
 * request), then what it does. `protocol` is its proxy's; datagram toxics act on flows anyway.
 */
export function explainToxic(toxic: ToxicSpec, protocol?: ProxyProtocol): string {
  const definition = definitionOf(toxic.type);
  const what = definition.explain(toxic.attributes, protocol);
  const singular = unitOf(definition, protocol);
  const matching = describeMatch(toxic.match);
  const noun = (unit: string) => (matching ? `matching ${unit} (${matching})` : unit);
  let target: string;
  if (toxic.toxicity >= 1) {
    // "on the first 2 flows": "on every flow, at most 2 times" read as two datagrams per flow.
    target = toxic.counter
      ? describeCounted(toxic.counter, noun(singular), noun(`${singular}s`))
      : `every ${noun(singular)}`;
  } else {
    // The counters pick first; the roll then happens among what they picked.
    const picked = describeCounted(toxic.counter, noun(singular), noun(`${singular}s`));
    target = `${Math.round(toxic.toxicity * 100)}% of ${picked}`;
  }
  const direction = definition.layer === 'request' || definition.atConnect ? '' : ` (${toxic.stream})`;
  return `${toxic.name}: on ${target}, ${what}${direction}`;
}

/** What a toxic rolls and counts one by one: a request, a udp flow (one per client address) or a connection. */
function unitOf(definition: ToxicDefinition, protocol: ProxyProtocol | undefined): string {
  if (definition.layer === 'request') return 'request';
  const datagramOnly = definition.protocols?.length === 1 && definition.protocols[0] === 'udp';
  return protocol === 'udp' || datagramOnly ? 'flow' : 'connection';
}

/** Whether Go's encoding/json decodes a JSON number into an int64 (2^63 itself overflows). */
function fitsInt64(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
}
