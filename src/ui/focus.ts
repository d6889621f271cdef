import { useLayoutEffect, useRef } from 'preact/hooks';

/** Moves the keyboard focus into a form when it opens, to its first control that can change. */
export function useFocusFirst(enabled = true) {
  const form = useRef<HTMLFormElement>(null);
  useLayoutEffect(() => {
    if (!enabled) return;
    form.current?.querySelector<HTMLElement>('input:not([disabled]), select:not([disabled])')?.focus();
  }, [enabled]);
  return form;
}

/** A ref that focuses its element when it appears (one function, so re-renders do not refocus). */
export function focusOnMount(element: HTMLElement | null): void {
  element?.focus();
}
