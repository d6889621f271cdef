import type { ToxicImplementation } from '../toxic-behaviour.js';

export const noop: ToxicImplementation = {
  create: (context) => ({ chunk: (chunk) => context.push(chunk) }),
};
