/**
 * The configuration modules (config/) under the path they had before they
 * were split: code written against `./config.js` keeps compiling. New code
 * imports from config/ directly.
 */
export { ConfigError, loadProfile, parseReserved } from './config/parsers.js';
export { DEFAULTS, LOG_FLAGS, SERVE_FLAGS, STORE_FLAGS, type ServeOptions } from './config/serve-flags.js';
export { buildServeConfig, hostQuotaPairs, type ConnectionLimits, type ServeConfig, type TlsFiles } from './config/serve-config.js';
export { addFlags, type FlagOverrides, type FlagSpec } from './config/flags.js';
