import type { RunEntry } from '../journal.js';
import type { ControlLevel } from './declaration.js';

/**
 * One control hook call, or one safeguard probe, in the journal's `controls` list (a key
 * faultline adds; chaoslib lets controls add keys to the journal). The report's timeline shows
 * them beside the activities.
 */
export interface ControlRecord {
  control: string;
  provider: 'python' | 'javascript' | 'native';
  /**
   * `lifecycle` for configure_control and cleanup_control; `loader` for the hooks around loading
   * the experiment file; `safeguard` for a safeguard probe.
   */
  level: ControlLevel | 'lifecycle' | 'loader' | 'safeguard';
  hook: string;
  /**
   * The activity's name, the hypothesis's or experiment's title, the safeguard probe's name, or
   * the experiment's source (file path or URL) for the loader hooks.
   */
  target: string;
  start: string;
  end: string;
  duration: number;
  status: 'succeeded' | 'failed' | 'interrupted';
  message?: string;
  exception?: string[];
  /** A safeguard probe's run, its tolerance_met included. */
  run?: RunEntry;
  /** This safeguard ended the run. */
  triggered?: boolean;
}
