import { useState } from 'preact/hooks';
import { api, isMissingRoute } from './api.js';

/** POST /halt's answer: what was undone and what could not be. */
export interface HaltResult {
  undone: Array<{ kind: string; what: string }>;
  failed: Array<{ kind?: string; what?: string; error?: string } | string>;
}

type HaltState =
  | { state: 'idle' }
  | { state: 'halting' }
  | { state: 'done'; result: HaltResult }
  | { state: 'failed'; why: string };

/** The kill switch: one press removes every toxic, undoes the ledger and interrupts every run. */
export function HaltButton({ onHalted }: { onHalted: () => void }) {
  const [status, setStatus] = useState<HaltState>({ state: 'idle' });
  const halt = async () => {
    setStatus({ state: 'halting' });
    try {
      setStatus({ state: 'done', result: await api<HaltResult>('POST', '/halt') });
    } catch (error) {
      setStatus({
        state: 'failed',
        why: isMissingRoute(error) ? 'this server has no /halt' : (error as Error).message,
      });
    }
    onHalted();
  };
  return (
    <div class="halt">
      <button
        type="button"
        class="halt-button"
        disabled={status.state === 'halting'}
        onClick={() => void halt()}
      >
        {status.state === 'halting' ? 'Halting…' : 'Halt all faults'}
      </button>
      <div role="status" class="halt-result">
        {status.state === 'failed' ? <p class="error">Halt failed: {status.why}</p> : null}
        {status.state === 'done' ? <HaltSummary result={status.result} /> : null}
      </div>
    </div>
  );
}

function HaltSummary({ result }: { result: HaltResult }) {
  return (
    <div>
      <p>
        Halted: {result.undone.length} undone
        {result.failed.length > 0 ? `, ${result.failed.length} failed` : ''}.
      </p>
      <ul>
        {result.undone.map((item, index) => (
          <li key={`u${index}`}>
            <span class="badge">{item.kind}</span> {item.what}
          </li>
        ))}
        {result.failed.map((item, index) => (
          <li key={`f${index}`} class="error">
            {typeof item === 'string'
              ? item
              : `${item.kind ?? ''} ${item.what ?? ''} ${item.error ?? ''}`.trim()}
          </li>
        ))}
      </ul>
    </div>
  );
}
