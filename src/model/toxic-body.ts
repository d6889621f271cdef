import type { Counter, Match } from './match.js';
import type { Stream } from './toxic.js';
import type { CreateProxyBody, CreateToxicBody, ProxyJson, ToxicJson } from './wire.js';
import type { Attributes, JsonValue, ToxicType } from './toxics/index.js';
import type { toxicDefinitions } from './toxics/index.js';

type SpecsOf<T extends ToxicType> = (typeof toxicDefinitions)[T]['attributes'][number];

/** The value an attribute takes, from its spec: a choice's strings, text, any JSON, or a number. */
type ValueOf<Spec> = Spec extends { kind: 'choice'; choices: readonly (infer Choice)[] }
  ? Choice
  : Spec extends { kind: 'text' }
    ? string
    : Spec extends { kind: 'json' }
      ? JsonValue
      : number;

/**
 * The attributes a toxic of type T takes, derived from its definition (so the compiler knows
 * `latency: { latency, jitter }` and refuses `latncy`), with the match and counters every toxic takes.
 */
export type ToxicAttributesOf<T extends ToxicType> = {
  [Spec in SpecsOf<T> as Spec['name']]?: ValueOf<Spec>;
} & Counter & { match?: Match };

/** A toxic of type T to add. */
export interface ToxicBodyOf<T extends ToxicType> {
  type: T;
  name?: string;
  stream?: Stream;
  toxicity?: number;
  attributes?: ToxicAttributesOf<T>;
}

/** A toxic to add, typed by its `type`: its attributes are checked and completed by the compiler. */
export type ToxicBody = { [T in ToxicType]: ToxicBodyOf<T> }[ToxicType];

/** A choice left out of the API's JSON at its default (so a Toxiproxy toxic keeps its JSON). */
type Omitted<Spec> = Spec extends { omitDefault: true } ? true : false;

/**
 * The attributes of a toxic of type T as the API answers them: every attribute, at its value or
 * its default (but a choice left out at its default), then match and counters when set. Any
 * other key reads as `JsonValue | undefined`, as in `ToxicJson`, so a toxic of a list, before
 * its `type` is checked, reads as it always did.
 */
export type AnsweredAttributesOf<T extends ToxicType> = {
  [Spec in SpecsOf<T> as Omitted<Spec> extends true ? never : Spec['name']]: ValueOf<Spec>;
} & {
  [Spec in SpecsOf<T> as Omitted<Spec> extends true ? Spec['name'] : never]?: ValueOf<Spec>;
} & Counter & { match?: Match } & Attributes;

/**
 * A toxic as the API answers it, its attributes typed by its type. `ToxicOf<ToxicType>` (what
 * a list of toxics holds) is a union that checking `type` narrows:
 * `if (toxic.type === 'latency') toxic.attributes.latency` is a number.
 */
export type ToxicOf<T extends ToxicType = ToxicType> = T extends ToxicType
  ? Omit<ToxicJson, 'type' | 'attributes'> & { type: T; attributes: AnsweredAttributesOf<T> }
  : never;

/** A proxy as the API answers it, its toxics typed as `ToxicOf`. */
export type TypedProxyJson = Omit<ProxyJson, 'toxics'> & { toxics: ToxicOf[] };

/** A change to a toxic of type T: its toxicity, or some of its attributes. */
export interface ToxicUpdate<T extends ToxicType = ToxicType> {
  toxicity?: number;
  attributes?: ToxicAttributesOf<T>;
}

/** A proxy to create, with its toxics typed as `addToxic` takes them. */
export type ProxyBody = Omit<CreateProxyBody, 'toxics'> & { toxics?: ToxicBody[] };

/**
 * A body read at run time (a file, the command line, an experiment): the compiler cannot know
 * its type, and the server checks it and says what is wrong.
 */
export function unchecked(body: CreateToxicBody): ToxicBody {
  return body as ToxicBody;
}

/** A proxy read at run time, with its toxics: the server checks them. */
export function uncheckedProxy(body: CreateProxyBody): ProxyBody {
  return body as ProxyBody;
}
