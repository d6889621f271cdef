import type { CollectionTag, ScalarTag, Tags } from 'yaml';
import { PYYAML_TIMESTAMP, pythonIsoformat } from './pyyaml-timestamp.js';

/*
 * yaml's YAML 1.1 schema, with PyYAML's implicit resolvers where the two differ: PyYAML does not
 * take y/n for booleans, a decimal with a leading zero (08) or a sexagesimal starting with 0
 * (05:30) for an integer, nor a float without a dot or with an unsigned exponent (1e3, 1.0e3),
 * and a date-only timestamp needs two-digit months and days.
 */
const BOOLEAN = {
  true: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  false: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
};
const DECIMAL = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const SEXAGESIMAL_INT = /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/;
const DOTTED_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/;

/** Every plain text PyYAML resolves to a float, for keys, whose JSON text is Python's repr. */
export const PYYAML_FLOAT =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

const INT = 'tag:yaml.org,2002:int';
const FLOAT = 'tag:yaml.org,2002:float';

/** `customTags` for yaml's 'yaml-1.1' schema: what PyYAML's safe_load resolves, as it resolves it. */
export function pyyamlTags(tags: Tags): Tags {
  return (tags as Array<ScalarTag | CollectionTag>).flatMap((tag): Array<ScalarTag | CollectionTag> => {
    if (tag.collection) return [tag];
    if (tag.tag === 'tag:yaml.org,2002:bool')
      return [{ ...tag, test: tag.test?.test('yes') ? BOOLEAN.true : BOOLEAN.false }];
    if (tag.tag === INT) return [integer(tag)];
    if (tag.tag === FLOAT) return float(tag);
    if (tag.tag === 'tag:yaml.org,2002:timestamp') {
      const resolve = (text: string, onError: (message: string) => void) => {
        try {
          return pythonIsoformat(text);
        } catch (error) {
          onError(`the timestamp '${text}' is not a date Python can build: ${(error as Error).message}`);
          return text;
        }
      };
      // The second, without a test, reads an explicit !!timestamp as construct_yaml_timestamp does.
      return [
        { ...tag, test: PYYAML_TIMESTAMP, resolve },
        { tag: tag.tag, default: false, resolve },
      ];
    }
    return [tag];
  });
}

function integer(tag: ScalarTag): ScalarTag {
  switch (tag.format) {
    case undefined:
      return { ...tag, test: DECIMAL, resolve: positiveZero(tag) };
    case 'TIME':
      return { ...tag, test: SEXAGESIMAL_INT };
    case 'OCT':
      // '0_' is 0 to PyYAML (the underscores go first), not a number without digits.
      return {
        ...tag,
        resolve: (text, ...rest) => (/^[-+]?0_*$/.test(text) ? 0 : positiveZero(tag)(text, ...rest)),
      };
    default: {
      // '0x_' and '0b_' make int() fail, and safe_load with it.
      const base = tag.format === 'HEX' ? 16 : 2;
      return {
        ...tag,
        resolve(text, onError, options) {
          if (/^[-+]?0[bx]_*$/.test(text)) {
            onError(`invalid literal for int() with base ${base}: '' (the value ${text} has no digits)`);
            return text;
          }
          return positiveZero(tag)(text, onError, options);
        },
      };
    }
  }
}

/** Python has no -0 integer. */
const positiveZero =
  (tag: ScalarTag): ScalarTag['resolve'] =>
  (...args) => {
    const value = tag.resolve(...args);
    return value === 0 ? 0 : value;
  };

function float(tag: ScalarTag): ScalarTag[] {
  if (tag.format === 'EXP') return [];
  if (tag.format === 'TIME') return [{ ...tag, resolve: sexagesimalFloat }];
  if (tag.test?.test('.inf')) return [tag];
  return [{ ...tag, test: DOTTED_FLOAT, resolve: (text) => Number(text.replaceAll('_', '')) }];
}

/** construct_yaml_float's base 60, summed from the seconds up, so the float rounds as Python's does. */
function sexagesimalFloat(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '').replaceAll('_', '').split(':').map(Number).reverse();
  let value = 0;
  let base = 1;
  for (const digit of digits) {
    value += digit * base;
    base *= 60;
  }
  return sign * value;
}
