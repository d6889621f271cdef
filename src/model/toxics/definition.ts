/** One integer attribute of a toxic, with the name, unit and default Toxiproxy uses. */
export interface AttributeSpec {
  readonly name: string;
  readonly unit: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

export type Attributes = Record<string, number>;

/** What a toxic is, apart from how the engine runs it: serializable, validated, explainable. */
export interface ToxicDefinition {
  readonly type: string;
  readonly summary: string;
  readonly attributes: readonly AttributeSpec[];
  /** Checks that involve several attributes; returns what is wrong, or undefined. */
  readonly check?: (attributes: Attributes) => string | undefined;
  /** One sentence, in the present tense, about what the toxic does to a connection. */
  readonly explain: (attributes: Attributes) => string;
}

export const MAX_MILLISECONDS = 24 * 60 * 60 * 1000;

export function milliseconds(name: string, description: string, defaultValue = 0): AttributeSpec {
  return { name, unit: 'ms', default: defaultValue, min: 0, max: MAX_MILLISECONDS, description };
}
