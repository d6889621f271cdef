export type FaultEffect = 'error' | 'status' | 'abort' | 'nullify' | 'slowBody';

/** The effects a fault gives (a valid fault has at most one). */
export function effects(fault: Partial<Record<FaultEffect, unknown>>): FaultEffect[] {
  return (['error', 'status', 'abort', 'nullify', 'slowBody'] as const).filter(
    (key) => fault[key] !== undefined,
  );
}

export function effectOf(fault: Partial<Record<FaultEffect, unknown>>): FaultEffect | undefined {
  return effects(fault)[0];
}
