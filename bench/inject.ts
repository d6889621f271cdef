import { wrap } from '../src/inject/wrap.js';

/**
 * The per-call cost of in-process faults: a plain method call, the same call through wrap()
 * with faults off (wrap returns the client itself), and through an active wrapper whose fault
 * does not fire. Bounded: a fixed number of calls per measurement.
 */
const CALLS = 5_000_000;

const client = {
  total: 0,
  add(n: number) {
    this.total += n;
    return this.total;
  },
  /** The other method, which a fault may name (wrap refuses a method the client does not have). */
  get() {
    return this.total;
  },
};

function nanosecondsPerCall(target: typeof client): number {
  for (let i = 0; i < 100_000; i++) target.add(1);
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) target.add(1);
  return Number(process.hrtime.bigint() - started) / CALLS;
}

export function benchInject(): string[][] {
  const off = wrap(client, { methods: ['add'], delay: 100 }, { enabled: false });
  const otherMethod = wrap(client, { methods: ['get'], delay: 100 }, { enabled: true });
  const neverFires = wrap(client, { methods: ['add'], delay: 100, firstN: 1 }, { enabled: true });
  void neverFires.add(0);
  return [
    ['plain method call', nanosecondsPerCall(client).toFixed(1)],
    [
      'wrap() with faults off (FAULTLINE_INJECT unset)',
      `${nanosecondsPerCall(off).toFixed(1)}${off === client ? ' (the client itself)' : ''}`,
    ],
    ['wrap() on, fault on another method', nanosecondsPerCall(otherMethod).toFixed(1)],
    [
      'wrap() on, fault on this method, not firing',
      nanosecondsPerCall(neverFires as typeof client).toFixed(1),
    ],
  ];
}
