/**
 * The configuration of `mcs-allocator serve` (the modules under config/),
 * under the name it has always been imported by.
 */
export { ConfigError, loadProfile, parseReserved } from './config/parsers.js';
export { DEFAULTS, LOG_FLAGS, SERVE_FLAGS, STORE_FLAGS, type ServeOptions } from './config/serve-flags.js';
export { buildServeConfig, hostQuotaPairs, type ConnectionLimits, type ServeConfig, type TlsFiles } from './config/serve-config.js';
export { addFlags, type FlagOverrides, type FlagSpec } from './config/flags.js';
