export type { Clock } from './model/clock.js';
export { systemClock } from './model/system-clock.js';
export { type ErrorCode, errorCodes, FaultlineError, isFaultlineError } from './model/errors.js';
export type { ProxySpec, ProxyUpdate } from './model/proxy-spec.js';
export { createRandom, type RandomSource } from './model/random.js';
export { explainToxic, type Stream, type ToxicSpec } from './model/toxic.js';
export { type ToxicType, toxicDefinitions, toxicTypes } from './model/toxics/index.js';
export { createEngine, type Engine, type EngineOptions } from './proxy/engine.js';
export type { EngineEvent } from './proxy/events.js';
export { type ControlServer, type ControlServerOptions, createControlServer } from './server/app.js';
export {
  type StartedServer,
  type StartServerLimits,
  type StartServerOptions,
  startServer,
} from './server/start-server.js';
export { loadConfigFile } from './config/config-file.js';
export { faultlineVersion } from './version.js';
