export { type FaultApplied, faultChannel, faultCounts, onFault } from './events.js';
export { faultsEnabled } from './enabled.js';
export { createHttpFaults, type HttpFaults, type HttpFaultsOptions } from './http-middleware.js';
export { registerFaultMetrics } from './metrics.js';
export { type FaultOptions, withFaults, wrap, type WrapOptions } from './wrap.js';
export { explainFault, type FaultSpec } from '../model/fault.js';
export { parseFault } from '../model/fault-schema.js';
