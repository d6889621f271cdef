import type { JsonObject } from '../../model/experiment.js';
import type { ControlLevel } from './declaration.js';

/** What the runner's levels call: before a level, and after it (always, from a finally). */
export interface ControlHooks {
  before(level: ControlLevel, context: JsonObject): Promise<void>;
  after(level: ControlLevel, context: JsonObject, state: unknown): Promise<void>;
}
