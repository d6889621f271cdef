/**
 * An idle Node event loop sleeps in epoll, and waking it costs tens of microseconds on every
 * hop. After socket activity the loop is kept polling (setImmediate turns, which poll I/O
 * without blocking) for a short window, so a reply that comes back within the window is
 * forwarded without a wake-up. Go's netpoller spins the same way. The cost is CPU only while
 * traffic flows; an idle proxy does not spin. A window of 0 turns it off.
 */
export interface BusyPoll {
  activity(): void;
  stop(): void;
}

export function createBusyPoll(windowMicroseconds: number): BusyPoll {
  if (windowMicroseconds <= 0) return { activity: () => undefined, stop: () => undefined };
  const windowMs = windowMicroseconds / 1000;
  let until = 0;
  let handle: ReturnType<typeof setImmediate> | undefined;
  const spin = () => {
    handle = performance.now() < until ? setImmediate(spin) : undefined;
  };
  return {
    activity() {
      until = performance.now() + windowMs;
      if (handle === undefined) handle = setImmediate(spin);
    },
    stop() {
      until = 0;
      if (handle !== undefined) clearImmediate(handle);
      handle = undefined;
    },
  };
}
