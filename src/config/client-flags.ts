/**
 * How a client reaches the service: mcsctl's global options and the host
 * agent's, with the same names, variables and defaults. Data only (no
 * parsers), so that mcsctl and the agent can share them without loading the
 * service's configuration.
 */
import type { FlagSpec } from './flags.js';

export const CLIENT_FLAGS = [
  {
    key: 'server',
    flag: '--server',
    arg: '<address>',
    env: 'MCS_SERVER',
    default: '127.0.0.1:50051',
    help: 'the service: host:port or unix:/path',
  },
  { key: 'timeout', flag: '--timeout', arg: '<seconds>', env: 'MCS_TIMEOUT', default: '10', help: 'deadline of each call to the service' },
  {
    key: 'tlsCa',
    flag: '--tls-ca',
    arg: '<file>',
    env: 'MCS_TLS_CA',
    help: 'CA certificate (PEM) to verify the server with; any --tls-* flag turns TLS on',
  },
  { key: 'tlsCert', flag: '--tls-cert', arg: '<file>', env: 'MCS_TLS_CERT', help: 'client certificate (PEM), with --tls-key' },
  { key: 'tlsKey', flag: '--tls-key', arg: '<file>', env: 'MCS_TLS_KEY', help: 'client private key (PEM), with --tls-cert' },
] as const satisfies readonly FlagSpec[];
