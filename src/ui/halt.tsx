import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, isMissingRoute } from './api.js';

/** POST /halt's answer: what was undone, what was left in place (absent from older servers) and what could not be. */
export interface HaltResult {
  undone: Array<{ kind: string; what: string }>;
  left?: Array<{ kind: string; what: string }>;
  failed: Array<{ kind?: string; what?: string; error?: string } | string>;
}

type HaltState =
  | { state: 'idle' }
  | { state: 'halting' }
  | { state: 'done'; result: HaltResult }
  | { state: 'failed'; why: string };

/** The kill switch: it asks first (a reason is optional), then removes every toxic, undoes the ledger and interrupts every run. */
export function HaltButton({ onHalted }: { onHalted: () => void }) {
  const [status, setStatus] = useState<HaltState>({ state: 'idle' });
  const dialog = useRef<HTMLDialogElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const reason = useRef<HTMLInputElement>(null);
  const ask = () => {
    if (reason.current) reason.current.value = '';
    dialog.current?.showModal();
    // Cancel first: one stray Enter must not halt everything.
    dialog.current?.querySelector<HTMLButtonElement>('button[value="cancel"]')?.focus();
  };
  const halt = async (why: string) => {
    setStatus({ state: 'halting' });
    try {
      const body = { reason: why === '' ? 'dashboard' : `dashboard: ${why}` };
      setStatus({ state: 'done', result: await api<HaltResult>('POST', '/halt', body) });
    } catch (error) {
      setStatus({ state: 'failed', why: whyHaltFailed(error) });
    }
    onHalted();
  };
  // The button is disabled while halting, and a disabled button loses the focus: give it back after.
  useLayoutEffect(() => {
    if (status.state === 'done' || status.state === 'failed') button.current?.focus();
  }, [status.state]);
  const closed = () => {
    const confirmed = dialog.current?.returnValue === 'halt';
    if (dialog.current) dialog.current.returnValue = '';
    if (confirmed) void halt(reason.current?.value.trim() ?? '');
    else button.current?.focus();
  };
  return (
    <div class="halt">
      <button
        type="button"
        class="halt-button"
        ref={button}
        disabled={status.state === 'halting'}
        onClick={ask}
      >
        {status.state === 'halting' ? 'Halting…' : 'Halt all faults'}
      </button>
      <dialog ref={dialog} class="halt-dialog" aria-labelledby="halt-title" onClose={closed}>
        <form method="dialog">
          <h2 id="halt-title">Halt all faults?</h2>
          <p>
            Every toxic is removed, every running experiment is interrupted and plays its rollbacks, and every
            fault in the ledger is undone.
          </p>
          <label for="halt-reason">Reason (optional, for the journals and the log)</label>
          <input
            id="halt-reason"
            ref={reason}
            type="text"
            maxLength={900}
            autocomplete="off"
            onKeyDown={(event) => {
              // Enter after typing a reason means it (the form's default button is Cancel).
              if (event.key !== 'Enter') return;
              event.preventDefault();
              dialog.current?.close('halt');
            }}
          />
          <div class="actions">
            <button type="submit" value="cancel">
              Cancel
            </button>
            <button type="submit" value="halt" class="danger">
              Halt now
            </button>
          </div>
        </form>
      </dialog>
      <div role="status" class="halt-result">
        {status.state === 'failed' ? <p class="error">Halt failed: {status.why}</p> : null}
        {status.state === 'done' ? <HaltSummary result={status.result} /> : null}
      </div>
    </div>
  );
}

/**
 * A request that got no answer rejects with a TypeError that says only "Failed to fetch": the
 * server may be down, or the connection broke after it had halted. Say so, and what still works.
 */
function whyHaltFailed(error: unknown): string {
  if (isMissingRoute(error)) return 'this server has no /halt';
  if (!(error instanceof TypeError)) return (error as Error).message;
  return `no answer from the server (${(error as Error).message}): it may be down, and this page cannot tell what was halted. \`faultline halt\` in a shell halts what the ledger records, with or without a server`;
}

function HaltSummary({ result }: { result: HaltResult }) {
  const left = result.left ?? [];
  return (
    <div>
      <p>
        Halted: {result.undone.length} undone
        {left.length > 0 ? `, ${left.length} left in place (someone made them again)` : ''}
        {result.failed.length > 0 ? `, ${result.failed.length} failed` : ''}.
      </p>
      <ul>
        {result.undone.map((item, index) => (
          <li key={`u${index}`}>
            <span class="badge">{item.kind}</span> {item.what}
          </li>
        ))}
        {left.map((item, index) => (
          <li key={`l${index}`}>
            <span class="badge">left</span> {item.what}
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
