import type { ToxicJson } from '../model/wire.js';

/**
 * Toxiproxy's API has no switch for a toxic, so "off" is toxicity 0: the toxic stays in place
 * (visible to every client) and acts on no connection. The toxicity it had is kept in this tab
 * for "on"; a toxic first seen off comes back at 1.
 */
const key = (proxy: string, toxic: string) => `faultline-toxicity:${proxy}/${toxic}`;

export const isOff = (toxic: ToxicJson) => toxic.toxicity === 0;

export function rememberToxicity(proxy: string, toxic: ToxicJson): void {
  sessionStorage.setItem(key(proxy, toxic.name), String(toxic.toxicity));
}

export function toxicityToRestore(proxy: string, toxic: ToxicJson): number {
  const saved = Number(sessionStorage.getItem(key(proxy, toxic.name)));
  return saved > 0 && saved <= 1 ? saved : 1;
}
