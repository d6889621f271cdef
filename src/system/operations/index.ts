import { cgroupOperations } from './cgroup-operations.js';
import { etcdOperations } from './etcd-operations.js';
import { loadOperations } from './load-operations.js';
import { netOperations } from './net-operations.js';
import type { SystemOperation } from './operation.js';
import { processOperations } from './process-operations.js';
import { stressOperations } from './stress-operations.js';
import { syscallOperations } from './syscall-operations.js';
import { useOperations } from './use-operations.js';

/** Every system action and probe, by module and function, as experiments and the CLI name them. */
export const systemModules: Record<string, Record<string, SystemOperation>> = {
  load: loadOperations,
  etcd: etcdOperations,
  process: processOperations,
  stress: stressOperations,
  cgroup: cgroupOperations,
  net: netOperations,
  syscall: syscallOperations,
  use: useOperations,
};

export type { SystemContext, SystemOperation } from './operation.js';
