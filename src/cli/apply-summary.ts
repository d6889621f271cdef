import type { Change } from './apply-plan.js';

const proxyVerbs = {
  'create-proxy': 'created',
  'update-proxy': 'updated',
  'delete-proxy': 'removed',
} as const;
const toxicVerbs = { 'add-toxic': 'added', 'update-toxic': 'updated', 'remove-toxic': 'removed' } as const;

/**
 * What a real apply did, counted by kind: `1 proxy created, 2 toxics added`. The toxics a proxy
 * is created with count as added, as their lines say.
 */
export function appliedSummary(changes: readonly Change[]): string {
  const proxies = { created: 0, updated: 0, removed: 0 };
  const toxics = { added: 0, updated: 0, removed: 0 };
  for (const change of changes) {
    if (change.kind in proxyVerbs) proxies[proxyVerbs[change.kind as keyof typeof proxyVerbs]]++;
    else toxics[toxicVerbs[change.kind as keyof typeof toxicVerbs]]++;
    if (change.kind === 'create-proxy') toxics.added += change.spec.toxics?.length ?? 0;
  }
  const parts = [
    ...Object.entries(proxies).map(([verb, n]) => [n, n === 1 ? 'proxy' : 'proxies', verb] as const),
    ...Object.entries(toxics).map(([verb, n]) => [n, n === 1 ? 'toxic' : 'toxics', verb] as const),
  ]
    .filter(([n]) => n > 0)
    .map(([n, noun, verb]) => `${n} ${noun} ${verb}`);
  return parts.join(', ');
}
