// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import { describeValue, FaultlineError } from './errors.js';
import { canonicalKeys, goFieldError, type GoShape, parseWith } from './fields.js';
import { checkName } from './names.js';
import { type Attributes, definitionOf, isToxicType, type ToxicType, toxicTypes } from './toxics/index.js';

export type Stream = 'upstream' | 'downstream';
export const streams: readonly Stream[] = ['upstream', 'downstream'];

/** A toxic as the API shows it, with every attribute filled in, in definition order. */
export interface ToxicSpec {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Attributes;
}

const toxicFields = ['name', 'type', 'stream', 'toxicity', 'attributes'] as const;

const toxicityRule = z
  .number({ error: 'toxicity must be a number' })
  .check(
    z.minimum(0, { error: 'toxicity is a probability and must be between 0 and 1' }),
    z.maximum(1, { error: 'toxicity is a probability and must be between 0 and 1' }),
  );

const createShape = z.object({
  name: z.optional(z.string({ error: 'name must be a string' })),
  type: z.optional(z.unknown()),
  stream: z.optional(z.string({ error: 'stream must be "upstream" or "downstream"' })),
  toxicity: z.optional(toxicityRule),
  attributes: z.optional(z.record(z.string(), z.unknown(), { error: 'attributes must be a JSON object' })),
});

/** What Toxiproxy decodes a toxic body into, for Go's wording of type errors. */
const goToxic: GoShape = {
  value: 'toxics.ToxicWrapper',
  struct: 'ToxicWrapper',
  fields: {
    name: 'string',
    type: 'string',
    stream: 'string',
    toxicity: 'float32',
    attributes: 'toxics.NoopToxic',
  },
};

/** Parses a toxic as POST /proxies/{proxy}/toxics receives it, checking in Toxiproxy's order. */
export function parseToxicCreate(body: unknown, where = 'toxic'): ToxicSpec {
  const fields = parseWith(createShape, canonicalKeys(body, toxicFields, where, goToxic), where, goToxic);
  const stream = parseStream(fields.stream ?? 'downstream');
  if (!isToxicType(fields.type)) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_TOXIC_TYPE', 'invalid toxic type', {
      hint: `received ${describeValue(fields.type)}; accepted types: ${toxicTypes.join(', ')}`,
    });
  }
  const name = checkName(fields.name || `${fields.type}_${stream}`, `toxic name in ${where}`);
  return {
    name,
    type: fields.type,
    stream,
    toxicity: fields.toxicity ?? 1,
    attributes: validateAttributes(fields.type, fields.attributes ?? {}, undefined, name),
  };
}

/**
 * Applies PATCH/POST /proxies/{proxy}/toxics/{toxic}: attributes and toxicity merge onto the
 * current toxic. Clients that send the whole toxic back may repeat name, type and stream, but
 * may not change them.
 */
export function parseToxicUpdate(body: unknown, current: ToxicSpec): ToxicSpec {
  const where = `update of toxic ${JSON.stringify(current.name)}`;
  const fields = parseWith(createShape, canonicalKeys(body, toxicFields, where, goToxic), where, goToxic);
  const unchangeable: Array<[string, unknown, string]> = [
    ['name', fields.name, current.name],
    ['type', fields.type, current.type],
    ['stream', fields.stream === undefined ? undefined : fields.stream.toLowerCase(), current.stream],
  ];
  for (const [field, sent, actual] of unchangeable) {
    if (sent !== undefined && sent !== actual) {
      throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `the ${field} of a toxic cannot change`, {
        hint: `it is ${JSON.stringify(actual)}, received ${describeValue(sent)}; remove the toxic and add a new one instead`,
      });
    }
  }
  return {
    ...current,
    toxicity: fields.toxicity ?? current.toxicity,
    attributes: validateAttributes(current.type, fields.attributes ?? {}, current.attributes, current.name),
  };
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

/** Fills defaults (or the current values), then checks every attribute is a known, in-range integer. */
export function validateAttributes(
  type: ToxicType,
  raw: Record<string, unknown>,
  base: Attributes | undefined,
  toxicName: string,
): Attributes {
  const definition = definitionOf(type);
  const sent = canonicalKeys(
    raw,
    definition.attributes.map((spec) => spec.name),
    `attributes of ${type} toxic ${JSON.stringify(toxicName)}`,
  );
  const result: Attributes = {};
  for (const spec of definition.attributes) {
    const value = sent[spec.name] ?? base?.[spec.name] ?? spec.default;
    const isWholeNumber = typeof value === 'number' && Number.isSafeInteger(value);
    if (!isWholeNumber || value < spec.min || value > spec.max) {
      const what = `attribute ${spec.name} of ${type} toxic ${JSON.stringify(toxicName)}`;
      const hint = `received ${describeValue(value)}; expected a whole number of ${spec.unit} from ${spec.min} to ${spec.max} (${spec.description})`;
      const reason = isWholeNumber
        ? `invalid ${what}`
        : goFieldError(value, `${goToxicNames[type]}.attributes`, spec.name, 'int64');
      throw new FaultlineError('FAULTLINE_ERR_INVALID_ATTRIBUTE', reason, {
        hint: isWholeNumber ? hint : `${what}: ${hint}`,
      });
    }
    result[spec.name] = value;
  }
  const problem = definition.check?.(result);
  if (problem !== undefined) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_ATTRIBUTE',
      `invalid attributes of ${type} toxic ${JSON.stringify(toxicName)}`,
      { hint: problem },
    );
  }
  return result;
}

/** The Go struct each toxic's attributes decode into in Toxiproxy. */
const goToxicNames: Record<ToxicType, string> = {
  noop: 'NoopToxic',
  latency: 'LatencyToxic',
  bandwidth: 'BandwidthToxic',
  slow_close: 'SlowCloseToxic',
  timeout: 'TimeoutToxic',
  reset_peer: 'ResetToxic',
  slicer: 'SlicerToxic',
  limit_data: 'LimitDataToxic',
};

export function explainToxic(toxic: ToxicSpec): string {
  const what = definitionOf(toxic.type).explain(toxic.attributes);
  const how = toxic.toxicity >= 1 ? 'every' : `${Math.round(toxic.toxicity * 100)}% of`;
  return `${toxic.name}: on ${how} connection, ${what} (${toxic.stream})`;
}
