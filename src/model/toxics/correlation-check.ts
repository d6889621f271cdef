/**
 * A correlation only shapes how the chance's picks cluster: with the chance at 0 nothing is picked
 * and the correlation would be ignored in silence, so it is refused, as netem refuses a gap
 * without a reorder probability.
 */
export function correlationWithoutChance(
  correlation: number,
  chance: { readonly name: string; readonly value: number },
  effect: string,
): string | undefined {
  if (correlation === 0 || chance.value > 0) return undefined;
  return `correlation needs ${chance.name} above 0: ${effect}; received correlation ${correlation} and ${chance.name} 0. Set ${chance.name}, or send correlation 0`;
}
