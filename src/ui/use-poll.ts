import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, isMissingRoute } from './api.js';

export type Polled<T> =
  | { state: 'loading' }
  | { state: 'ready'; data: T }
  | { state: 'unavailable'; why: string }
  | { state: 'failed'; why: string };

/** GETs `path` now and every `intervalMs`; a server without the route is "unavailable", not broken. */
export function usePoll<T>(path: string, intervalMs: number, refreshKey: number): [Polled<T>, () => void] {
  const [result, setResult] = useState<Polled<T>>({ state: 'loading' });
  const load = useCallback(async () => {
    try {
      setResult({ state: 'ready', data: await api<T>('GET', path) });
    } catch (error) {
      setResult(
        isMissingRoute(error)
          ? { state: 'unavailable', why: `this server has no ${path}` }
          : { state: 'failed', why: (error as Error).message },
      );
    }
  }, [path]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), intervalMs);
    return () => clearInterval(timer);
  }, [load, intervalMs, refreshKey]);
  return [result, () => void load()];
}
