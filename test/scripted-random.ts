import type { RandomSource } from '../src/model/random.js';

/**
 * A random source that plays back a script, so a test states exactly what every roll returns and
 * the expected outcome follows from the rule alone, not from the generator under test.
 */
export function scripted(
  floats: number[],
  ints: Array<'min' | 'max' | number> = [],
): RandomSource & { intCalls: number[][] } {
  const source = {
    seed: 0,
    intCalls: [] as number[][],
    next() {
      const value = floats.shift();
      if (value === undefined) throw new Error('the test scripted too few rolls');
      return value;
    },
    int(min: number, max: number) {
      source.intCalls.push([min, max]);
      const pick = ints.shift();
      if (pick === undefined) throw new Error('the test scripted too few integers');
      return pick === 'min' ? min : pick === 'max' ? max : pick;
    },
    fork: () => source,
  };
  return source;
}
