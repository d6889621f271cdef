/** The datagram toxic that does on a udp proxy what a stream toxic does on a tcp one. */
export const datagramCounterparts: Readonly<Record<string, string>> = {
  latency: 'udp_latency',
  bandwidth: 'udp_bandwidth',
};

/** The stream toxic for each datagram toxic above: each proxy's refusal names the other's. */
export const streamCounterparts: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(datagramCounterparts).map(([stream, datagram]) => [datagram, stream]),
);
