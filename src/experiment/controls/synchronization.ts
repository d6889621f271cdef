import type { NativeControl } from './native.js';

/** chaosaddons.controls.synchronization: after_experiment_control marks the experiment finished. */
export const synchronizationControl: NativeControl = {
  async validate() {},
  create(run) {
    return {
      kind: 'native',
      has: (hook) => hook === 'after_experiment_control',
      async validate() {},
      async call() {
        run.finished.set = true;
        return { changes: {} };
      },
      async stop() {},
    };
  },
};
