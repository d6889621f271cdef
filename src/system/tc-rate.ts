import { BadInput } from './bad-input.js';

const RATE_BITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

/**
 * tc's rate units, in any case as tc reads them (it shows "1Mbit"), and more than nothing: tc
 * itself answers a zero rate with its usage text.
 */
export function checkRate(rate: string): void {
  const match = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i.exec(rate);
  if (!match)
    throw new BadInput(
      `rate "${rate}" must be a number and one of tc's units: bit, kbit, mbit, gbit, bps, kbps, mbps, gbps (such as 512kbit, 10mbit or 1mbps)`,
    );
  if (Number(match[1]) * (RATE_BITS[match[2]!.toLowerCase()] ?? 1) < 8)
    throw new BadInput(`rate "${rate}" is below 8 bit/s, which tc cannot shape to; give at least 8bit`);
}
