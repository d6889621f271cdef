import type { ProxyProtocol } from '../protocol.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

interface AttributeBase {
  readonly name: string;
  readonly description: string;
}

/** A whole number in a range, with a unit: every Toxiproxy attribute is one. `kind` may be omitted. */
export interface IntegerAttribute extends AttributeBase {
  readonly kind?: 'integer';
  readonly unit: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** One of a fixed list of strings, e.g. `stage: request | response`. */
export interface ChoiceAttribute extends AttributeBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
  /** Left out of the API's JSON at its default, so a Toxiproxy toxic keeps Toxiproxy's JSON. */
  readonly omitDefault?: boolean;
}

/** Free text up to a length, e.g. a response body or a gRPC message. */
export interface TextAttribute extends AttributeBase {
  readonly kind: 'text';
  readonly default: string;
  readonly maxLength: number;
}

/** Any JSON value that `check` accepts, e.g. a header map or a JSON merge patch. */
export interface JsonAttribute extends AttributeBase {
  readonly kind: 'json';
  readonly default: JsonValue;
  /** What is accepted, for error messages, e.g. 'an object of header name → string'. */
  readonly accepts: string;
  /** Returns what is wrong with the value, or undefined. */
  check(value: JsonValue): string | undefined;
}

export type AttributeSpec = IntegerAttribute | ChoiceAttribute | TextAttribute | JsonAttribute;

export type AttributeValue = JsonValue;
export type Attributes = Record<string, AttributeValue>;
/** What the byte toxics have: Toxiproxy's integer attributes only. */
export type IntegerAttributes = Record<string, number>;

/**
 * Where a toxic acts: on the bytes of a connection (Toxiproxy's toxics, on every protocol) or
 * on each request of an http/http2 proxy.
 */
export type ToxicLayer = 'connection' | 'request';

/** What a toxic is, apart from how the engine runs it: serializable, validated, explainable. */
export interface ToxicDefinition<A extends Attributes = Attributes> {
  readonly type: string;
  readonly summary: string;
  readonly layer: ToxicLayer;
  /** The proxy protocols that accept the toxic; every protocol when omitted. */
  readonly protocols?: readonly ProxyProtocol[];
  readonly attributes: readonly AttributeSpec[];
  /** Acts once, when a connection opens, whatever its stream; its explanation names no stream. */
  readonly atConnect?: true;
  /** Checks that involve several attributes; returns what is wrong, or undefined. */
  check?(attributes: A): string | undefined;
  /**
   * One sentence, in the present tense, about what the toxic does to a connection, flow or
   * request; `protocol` is its proxy's, when known.
   */
  explain(attributes: A, protocol?: ProxyProtocol): string;
}

export const MAX_MILLISECONDS = 24 * 60 * 60 * 1000;

export function milliseconds<Name extends string>(
  name: Name,
  description: string,
  defaultValue = 0,
): IntegerAttribute & { readonly name: Name } {
  return { name, unit: 'ms', default: defaultValue, min: 0, max: MAX_MILLISECONDS, description };
}

/** How many datagrams a delaying datagram toxic may hold on one flow and direction (netem's limit). */
export const HELD_DATAGRAMS_DEFAULT = 1000;

/** What explain() adds for a held-datagram limit other than netem's default. */
export function heldLimitText(limit: unknown): string {
  return typeof limit === 'number' && limit !== HELD_DATAGRAMS_DEFAULT
    ? `, holding at most ${limit} and dropping the rest`
    : '';
}

export function heldLimit(): IntegerAttribute & { readonly name: 'limit' } {
  return {
    name: 'limit',
    unit: 'datagrams',
    default: HELD_DATAGRAMS_DEFAULT,
    min: 0,
    max: 1_000_000,
    description:
      "how many datagrams may wait at once on one flow and direction, as netem's limit; new ones beyond it are dropped and counted",
  };
}
