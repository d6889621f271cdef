import { type IntegerAttributes, type ToxicDefinition } from './definition.js';

export const udpBandwidth = {
  type: 'udp_bandwidth',
  summary:
    'Limits datagrams to a rate in KB/s; datagrams over the rate wait in a queue of `queue` datagrams, and are dropped and counted when it is full.',
  layer: 'connection',
  protocols: ['udp'],
  attributes: [
    {
      name: 'rate',
      unit: 'KB/s',
      default: 1,
      min: 1,
      max: 100_000_000,
      description: 'bytes per second divided by 1000',
    },
    {
      name: 'queue',
      unit: 'datagrams',
      default: 1000,
      min: 0,
      max: 1_000_000,
      description: 'how many datagrams may wait for their turn before new ones are dropped (netem limit)',
    },
    {
      name: 'packet_overhead',
      unit: 'bytes',
      default: 0,
      min: -65_535,
      max: 65_535,
      description:
        'bytes added to each datagram before it is timed (netem packetoverhead); 42 counts the Ethernet, IPv4 and UDP headers netem sees',
    },
    {
      name: 'cell_size',
      unit: 'bytes',
      default: 0,
      min: 0,
      max: 65_535,
      description: 'when above 0, a datagram is timed as whole cells of this size (netem cellsize; ATM: 48)',
    },
    {
      name: 'cell_overhead',
      unit: 'bytes',
      default: 0,
      min: -65_535,
      max: 65_535,
      description: 'bytes added to each cell (netem celloverhead; ATM: 5)',
    },
  ],
  check: ({ cell_size = 0, cell_overhead = 0 }) =>
    cell_size === 0 && cell_overhead !== 0
      ? `cell_overhead needs cell_size above 0: it is added to each cell; received cell_overhead ${cell_overhead} and cell_size 0`
      : undefined,
  explain: ({ rate = 1, queue = 1000, packet_overhead = 0, cell_size = 0, cell_overhead = 0 }) =>
    `limits datagrams to ${rate} KB/s${packet_overhead === 0 ? '' : ` counting ${packet_overhead} bytes more each`}${cell_size === 0 ? '' : ` in cells of ${cell_size}${cell_overhead === 0 ? '' : ` + ${cell_overhead}`} bytes`}, queueing up to ${queue} and dropping the rest`,
} as const satisfies ToxicDefinition<IntegerAttributes>;
