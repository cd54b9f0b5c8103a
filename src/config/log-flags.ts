/**
 * How a process logs, `--log-level` and `--log-format`: the same flags, variables and
 * defaults for `serve`, `webhook` and `agent`. Data only (no parsers), so
 * that the agent can share them without loading the service's configuration.
 */
import type { FlagSpec } from './flags.js';

export const LOG_FLAGS = [
  {
    key: 'logLevel',
    flag: '--log-level',
    arg: '<level>',
    env: 'MCS_LOG_LEVEL',
    default: 'info',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'logFormat',
    flag: '--log-format',
    arg: '<format>',
    env: 'MCS_LOG_FORMAT',
    default: 'json',
    help: 'json (one object per line) or pretty (for humans)',
  },
] as const satisfies readonly FlagSpec[];
