import { once } from 'node:events';
import net from 'node:net';
import { percentile } from './measure.js';

export interface ConnectionRate {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * `count` connections one after another, each: connect, send one byte, read the echo, close.
 * Each connection's start (epoch ms) and its connect-to-echo-to-close time (ms), and the seconds
 * the whole took.
 */
export async function timedConnections(
  port: number,
  count: number,
): Promise<{ starts: number[]; durations: number[]; seconds: number }> {
  const starts: number[] = [];
  const durations: number[] = [];
  const byte = Buffer.from([7]);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const opened = performance.now();
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    socket.write(byte);
    await once(socket, 'data');
    socket.end();
    await once(socket, 'close');
    durations.push(performance.now() - opened);
    starts.push(performance.timeOrigin + opened);
  }
  return { starts, durations, seconds: (performance.now() - started) / 1000 };
}

/**
 * What a test suite's client pool does on start: connect, send one byte, read the echo, close,
 * one connection after another. The rate is connections completed per second of wall time;
 * each sample is one connection's connect-to-echo-to-close time.
 */
export async function connectionRate(port: number, count: number): Promise<ConnectionRate> {
  const { durations: samples, seconds } = await timedConnections(port, count);
  samples.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}
