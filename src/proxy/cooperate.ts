import { monotonicNow } from './monotonic-now.js';

/**
 * Toxics share the event loop with the control API. A toxic that does a lot of work per chunk
 * (a slicer cutting 256 KiB into 1-byte pieces) must not keep the loop from polling sockets, or
 * the API stops answering. All toxic work in one loop iteration shares a slice of SLICE_MS;
 * once it is spent, every toxic waits for the next iteration, after the loop has polled I/O.
 */
const SLICE_MS = 2;

let sliceStart = 0;
let sliceOpen = false;
let nextTurn: Promise<void> | undefined;

const closeSlice = () => {
  sliceOpen = false;
};

/** Undefined while this iteration's slice lasts; otherwise a promise for the next iteration. */
export function yieldIfDue(): Promise<void> | undefined {
  const now = monotonicNow();
  if (!sliceOpen) {
    sliceOpen = true;
    sliceStart = now;
    setImmediate(closeSlice);
    return undefined;
  }
  if (now - sliceStart < SLICE_MS) return undefined;
  nextTurn ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      nextTurn = undefined;
      resolve();
    }),
  );
  return nextTurn;
}
