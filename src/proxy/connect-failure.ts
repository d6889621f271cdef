import { socketErrorMessage, socketErrorWords, whatToDo } from './socket-error-words.js';

/**
 * Why a tcp proxy could not reach its upstream: node's message (`connect ECONNREFUSED
 * 127.0.0.1:9`), then what it means and what to do ([socketErrorWords]); node's message alone
 * for an error the table does not know.
 */
export function connectFailure(error: NodeJS.ErrnoException, proxy: string): string {
  const words = socketErrorWords(error.code);
  const message = socketErrorMessage(error);
  return words === undefined ? message : `${message}: ${words.happened}${whatToDo(words, proxy)}`;
}
