import type { JsonObject } from '../../model/experiment.js';
import type { RunLog } from '../console.js';
import { InterruptExecution } from '../errors.js';
import { secondsBetween, timestamp } from '../journal.js';
import { ControlFailed, ControlInterrupted } from './errors.js';
import type { ControlModule, HookCall, HookChanges } from './module.js';
import type { ControlRecord } from './record.js';

export interface HookInvocation {
  module: ControlModule;
  call: HookCall;
  level: ControlRecord['level'];
  /** The activity's name, the hypothesis's or experiment's title, the source loaded. */
  target: string;
  record(record: ControlRecord): void;
  /** Applies what the hook changed in the objects it was handed, also when it raised. */
  apply(changes: HookChanges): void;
  log: RunLog;
}

/**
 * Calls one control hook and records it for the journal's `controls`. InterruptExecution
 * propagates (except from configure_control and cleanup_control, where chaoslib swallows it);
 * any other failure is recorded and logged, and the run goes on as chaoslib's does; the error is
 * rethrown for configure_control only, whose caller drops a global control that fails there.
 */
export async function invokeHook(invocation: HookInvocation): Promise<void> {
  const { call, level, log } = invocation;
  const start = timestamp();
  const record: ControlRecord = {
    control: String((call.control as JsonObject).name),
    provider: invocation.module.kind,
    level,
    hook: call.hook,
    target: invocation.target,
    start,
    end: start,
    duration: 0,
    status: 'succeeded',
  };
  invocation.record(record);
  const finish = (status: ControlRecord['status']) => {
    record.end = timestamp();
    record.duration = secondsBetween(record.start, record.end);
    record.status = status;
  };
  try {
    const outcome = await invocation.module.call(call);
    finish('succeeded');
    invocation.apply(outcome.changes);
  } catch (error) {
    if (error instanceof ControlFailed || error instanceof ControlInterrupted)
      invocation.apply(error.changes);
    if (error instanceof InterruptExecution && level !== 'lifecycle') {
      finish('interrupted');
      record.message = error.message;
      log.critical(`Control '${record.control}' interrupted the run in ${call.hook}: ${error.message}`);
      throw error;
    }
    finish('failed');
    record.message = (error as Error).message;
    if (error instanceof ControlFailed && error.traceback.length > 0) record.exception = error.traceback;
    log.warning(
      `Control '${record.control}' failed in ${call.hook}, the run goes on as chaos run does: ${(error as Error).message}`,
    );
    if (call.hook === 'configure_control') throw error;
  }
}
