import { closest } from '../../model/closest-key.js';
import { InvalidActivity } from '../errors.js';
import { chaostoxiModules } from './faultline.js';

/**
 * A chaostoolkit-toxiproxy module name faultline does not run (a typo, or `toxiproxy.*`, the
 * extension's name before 0.1.0 that its README still shows) fails to import, and "No module
 * named 'chaostoxi'" would send the user to install an extension faultline does not need.
 */
export async function withChaostoxiHint<T>(module: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const lookalike = /^(chaostoxi|toxiproxy)(\.|$)/.test(module);
    if (
      !lookalike ||
      !(error instanceof InvalidActivity) ||
      !error.message.startsWith('could not find Python module')
    )
      throw error;
    const modules = chaostoxiModules();
    const suggestion = closest(module.replace(/^toxiproxy/, 'chaostoxi'), modules);
    const list = `${modules.slice(0, -1).join(', ')} and ${modules.at(-1)}`;
    throw new InvalidActivity(
      `${error.message}; faultline runs chaostoolkit-toxiproxy's ${list} itself${suggestion ? `: did you mean '${suggestion}'?` : ''}`,
    );
  }
}
