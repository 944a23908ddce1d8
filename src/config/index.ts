// warden.yaml: parsing, ${ENV} interpolation and validation into a WardenConfig.
export { loadConfig, loadStoreConfig, parseConfig, type ParseConfigOptions } from './load.js';
export { ConfigError, type ConfigIssue } from './errors.js';
export { isLoopbackHost } from './listen-address.js';
export { parseDuration } from './duration.js';
export type * from './types.js';
export { defaultAlgorithms, publicKeyAlgorithms } from './algorithms.js';
export { ENTRA_LOGS } from './collector-types.js';
export { ALERT_SEVERITIES, BUILTIN_DETECTORS, STATEMENT_KINDS } from './policy-types.js';
