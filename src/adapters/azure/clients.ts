/**
 * The real Azure SDK clients, built once per process (and per subscription where the client is
 * subscription-bound). The only knobs are the ARM endpoint and TLS trust, so the same clients talk to
 * management.azure.com in production and to the local HTTPS emulator in tests.
 *
 * TLS trust: every client gets `tlsOptions: { ca }` (core-rest-pipeline `PipelineOptions.tlsOptions`, a
 * `TlsSettings`). The pipeline's `tlsPolicy` copies it onto each request and the Node HTTP client builds
 * (and caches, per settings object) an https.Agent with it. Because `ca` replaces Node's bundled roots,
 * the extra certificate is appended to `tls.rootCertificates`, so public endpoints stay trusted too. One
 * settings object is shared by all clients, so they share one agent. Plain http is not an option: the
 * bearer-token policy refuses non-TLS URLs (docs/azure-facts.md §6).
 *
 * Retries: the SDK's default retry policy honours any Retry-After however long; it is replaced by
 * {@link boundedRetryStrategy} (same phase, bounded waits). The Resource Graph client gets no pipeline
 * retries: {@link ResourceGraphInventory} paces and retries itself, so it can follow the quota headers
 * and report throttling.
 */
import * as tls from 'node:tls';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { RecoveryServicesClient } from '@azure/arm-recoveryservices';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import type { Pipeline, TlsSettings } from '@azure/core-rest-pipeline';
import { retryPolicy } from '@azure/core-rest-pipeline';
import {
  boundedRetryStrategy,
  DEFAULT_REQUEST_TIMEOUT_MS,
  requestTimeoutPolicy,
  type PipelineRetryBounds,
} from './retry';

/** The public-cloud ARM endpoint. */
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';

/** How to reach ARM. */
export interface AzureClientsOptions {
  /** ARM endpoint; default https://management.azure.com. */
  armEndpoint?: string;
  /** A PEM certificate (chain) to trust in addition to the system roots, e.g. the emulator's CA. */
  caCert?: string;
  credential: TokenCredential;
  /** Prepended to every SDK's User-Agent, e.g. `backup-warden/0.1.0`. */
  userAgentPrefix?: string;
  /** Token scope; default `{armEndpoint}/.default`. */
  credentialScope?: string;
  /** Pipeline retries per request (408/429/5xx/socket errors); default 3. */
  maxRetries?: number;
  /** Pipeline backoff and Retry-After cap; defaults 800 ms base, 8 s max, Retry-After up to 30 s. */
  retryBounds?: Partial<PipelineRetryBounds>;
  /** Time each request attempt may take before it is aborted and retried; default 30 s, 0 for none. */
  requestTimeoutMs?: number;
}

/** The SDK clients the adapters use. Subscription-bound clients are created on first use and cached. */
export interface AzureClients {
  readonly armEndpoint: string;
  readonly resourceGraph: ResourceGraphClient;
  network(subscriptionId: string): NetworkManagementClient;
  compute(subscriptionId: string): ComputeManagementClient;
  recoveryServices(subscriptionId: string): RecoveryServicesClient;
  recoveryServicesBackup(subscriptionId: string): RecoveryServicesBackupClient;
  resources(subscriptionId: string): ResourceManagementClient;
}

const DEFAULT_BOUNDS: PipelineRetryBounds = { baseDelayMs: 800, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

/** The TLS settings for a caller-supplied CA: the system roots plus that CA. */
export function tlsSettingsFor(caCert: string | undefined): TlsSettings | undefined {
  if (!caCert) return undefined;
  return { ca: [...tls.rootCertificates, caCert] };
}

/**
 * Replaces the pipeline's Retry phase with the bounded strategy (or with nothing when maxRetries is 0), and
 * gives every attempt a timeout: a request that is never answered is aborted and retried, not waited on forever.
 */
function installRetry(pipeline: Pipeline, maxRetries: number, bounds: PipelineRetryBounds, timeoutMs: number): void {
  pipeline.removePolicy({ phase: 'Retry' });
  if (maxRetries > 0) {
    pipeline.addPolicy(retryPolicy([boundedRetryStrategy(bounds)], { maxRetries }), { phase: 'Retry' });
  }
  if (timeoutMs > 0) pipeline.addPolicy(requestTimeoutPolicy(timeoutMs), { afterPhase: 'Retry' });
}

/** Builds the clients. Never reads the environment: everything comes from `opts`. */
export function createAzureClients(opts: AzureClientsOptions): AzureClients {
  const armEndpoint = (opts.armEndpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
  const scope = opts.credentialScope ?? `${armEndpoint}/.default`;
  const tlsOptions = tlsSettingsFor(opts.caCert);
  const maxRetries = opts.maxRetries ?? 3;
  const bounds: PipelineRetryBounds = { ...DEFAULT_BOUNDS, ...opts.retryBounds };
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const common = {
    endpoint: armEndpoint,
    ...(tlsOptions ? { tlsOptions } : {}),
    ...(opts.userAgentPrefix ? { userAgentOptions: { userAgentPrefix: opts.userAgentPrefix } } : {}),
  };
  /** Options of the modular (TypeSpec) clients: arm-network, -compute, -resources, -recoveryservices, -resourcegraph. */
  const modular = { ...common, credentials: { scopes: [scope] } };

  const resourceGraph = new ResourceGraphClient(opts.credential, modular);
  installRetry(resourceGraph.pipeline, 0, bounds, timeoutMs);

  const cached = <T extends { pipeline: Pipeline }>(
    create: (subscriptionId: string) => T,
  ): ((subscriptionId: string) => T) => {
    const bySubscription = new Map<string, T>();
    return (subscriptionId: string) => {
      const key = subscriptionId.toLowerCase();
      let client = bySubscription.get(key);
      if (!client) {
        client = create(subscriptionId);
        installRetry(client.pipeline, maxRetries, bounds, timeoutMs);
        bySubscription.set(key, client);
      }
      return client;
    };
  };

  return {
    armEndpoint,
    resourceGraph,
    network: cached((s) => new NetworkManagementClient(opts.credential, s, modular)),
    compute: cached((s) => new ComputeManagementClient(opts.credential, s, modular)),
    recoveryServices: cached((s) => new RecoveryServicesClient(opts.credential, s, modular)),
    // The one core-client (classic) SDK: `credentialScopes` instead of `credentials.scopes`.
    recoveryServicesBackup: cached(
      (s) => new RecoveryServicesBackupClient(opts.credential, s, { ...common, credentialScopes: [scope] }),
    ),
    resources: cached((s) => new ResourceManagementClient(opts.credential, s, modular)),
  };
}
