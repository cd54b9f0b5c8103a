/**
 * `mcs-allocator webhook`: the Kubernetes admission webhook's command line.
 * What it runs (run.ts: Redis, the pool, HTTPS) is loaded only when the
 * command runs, so `serve` and `agent` do not pay for it.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addFlags } from '../config/flags.js';
import { ConfigError } from '../config/parsers.js';
import {
  buildWebhookConfig,
  WEBHOOK_FLAGS,
  WEBHOOK_SHARED_FLAGS,
  WEBHOOK_SHARED_OVERRIDES,
  type WebhookConfig,
  type WebhookFlags,
} from './config.js';

export function registerWebhookCommand(program: Command): void {
  addFlags(
    addFlags(
      program
        .command('webhook')
        .description('Run the Kubernetes admission webhook: leases a level for every pod at CREATE, releases it at its final DELETE.'),
      WEBHOOK_FLAGS,
    ),
    WEBHOOK_SHARED_FLAGS,
    WEBHOOK_SHARED_OVERRIDES,
  )
    .addHelpText(
      'after',
      `
Serves POST /mutate (AdmissionReview v1), /mutate/<pod|namespace|none>, /validate, GET /healthz, /metrics.
See README.md, "Using with Kubernetes".

Example:
  mcs-allocator webhook --redis redis://redis:6379 --tls-cert /tls/tls.crt --tls-key /tls/tls.key --namespace-policy team-a=namespace
`,
    )
    .action(async (flags: WebhookFlags) => {
      let config: WebhookConfig;
      try {
        config = buildWebhookConfig(flags);
        for (const [option, file] of [
          ['--tls-cert', config.certFile],
          ['--tls-key', config.keyFile],
          ...(config.clientCaFile ? [['--tls-client-ca', config.clientCaFile] as const] : []),
        ] as const) {
          try {
            readFileSync(file);
          } catch (err) {
            throw new ConfigError(option, `cannot read ${file}: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`mcs-allocator webhook: ${err.message}\n`);
        process.exit(2);
      }
      await (await import('./run.js')).runWebhook(config);
    });
}
