/**
 * The telemetry sink on Application Insights (applicationinsights 3.x, which runs on OpenTelemetry and the
 * Azure Monitor exporter). Without a connection string telemetry is off: {@link createTelemetry} returns a
 * no-op sink, which is not an error.
 *
 * The SDK client is made once per process (a module-level singleton) as a `TelemetryClient` with its own
 * OpenTelemetry providers (`useGlobalProviders: false`) instead of `setup().start()`: nothing is
 * auto-collected (no http/Azure SDK instrumentation, performance counters, live metrics or console
 * capture — the Functions host already reports requests), no global provider is registered, and `flush()`
 * flushes exactly the providers our events went to.
 *
 * Events and their customDimensions (all strings, always present; '' when unknown):
 * - `ComplianceFinding`: ruleId, severity, status, previousStatus, resourceId, subscriptionId, location, sweepId, trigger;
 * - `RemediationResult`: kind, target, status, errorCode, detail, durationMs, sweepId, trigger;
 * - `SweepCompleted`: sweepId, trigger, startedAt and every count of the summary (also as measurements).
 * Metrics: `warden.remediation.duration` (ms; dims kind, status) and `warden.findings.open` (dim ruleId).
 */
import { TelemetryClient } from 'applicationinsights';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Action } from '../../core/model';
import type { ActionResult, FindingChange, SweepSummary, TelemetrySink, Trigger } from '../../ports';

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** `APPLICATIONINSIGHTS_CONNECTION_STRING`; telemetry is off without it. */
  connectionString?: string;
  /** `ai.cloud.role` of every item (the OpenTelemetry `service.name`); defaults to `backup-warden`. */
  cloudRole?: string;
  /**
   * PEM of an extra CA to trust for the IngestionEndpoint (the exporter pipeline's `tlsOptions.ca`): for a
   * local capture server or emulator with a self-signed certificate. Never needed against Azure.
   */
  caCert?: string;
}

/** The counts of a sweep summary, reported as dimensions and measurements of `SweepCompleted`. */
const SUMMARY_COUNTS = [
  'shards',
  'shardsCompleted',
  'resources',
  'findings',
  'open',
  'exempt',
  'actions',
  'resolved',
  'warnings',
] as const;

/** A sink that drops everything: telemetry is off. */
export const noopTelemetry: TelemetrySink = {
  findingChanged: () => undefined,
  remediationResult: () => undefined,
  sweepCompleted: () => undefined,
  exception: () => undefined,
  flush: async () => undefined,
};

interface SharedClient {
  connectionString: string;
  client: TelemetryClient;
}

let shared: SharedClient | undefined;
/** Flushes run one after another: the SDK's log processor returns at once from a flush that overlaps another. */
let flushChain: Promise<void> = Promise.resolve();

function sharedClient(options: TelemetryOptions & { connectionString: string }): TelemetryClient {
  if (shared) {
    if (shared.connectionString !== options.connectionString) {
      throw new Error('Application Insights is already set up in this process with another connection string');
    }
    return shared.client;
  }
  const client = new TelemetryClient(options.connectionString, { useGlobalProviders: false });
  client.config.azureMonitorOpenTelemetryOptions = {
    azureMonitorExporterOptions: {
      connectionString: options.connectionString,
      // A failed send is dropped rather than persisted: a Function instance's temp disk does not outlive it.
      disableOfflineStorage: true,
      ...(options.caCert ? { tlsOptions: { ca: options.caCert } } : {}),
    },
    resource: resourceFromAttributes({ 'service.name': options.cloudRole ?? 'backup-warden' }),
    enableAutoCollectExceptions: false,
    enableAutoCollectPerformance: false,
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
      console: { enabled: false },
    },
  };
  client.config.enableAutoCollectConsole = false;
  client.config.enableAutoCollectExceptions = false;
  client.config.enableAutoCollectPerformance = false;
  client.config.enableAutoCollectRequests = false;
  client.config.enableAutoCollectDependencies = false;
  client.config.enableSendLiveMetrics = false;
  client.config.enableUseDiskRetryCaching = false;
  client.initialize();
  shared = { connectionString: options.connectionString, client };
  return client;
}

/** An `unknown` thrown value as an Error (trackException needs one). */
function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'string') return new Error(error);
  try {
    return new Error(JSON.stringify(error));
  } catch {
    return new Error(String(error));
  }
}

/** The Application Insights sink, or {@link noopTelemetry} when no connection string is set. */
export function createTelemetry(options: TelemetryOptions = {}): TelemetrySink {
  const connectionString = options.connectionString?.trim();
  if (!connectionString) return noopTelemetry;
  const client = sharedClient({ ...options, connectionString });
  const dims = (d: { sweepId: string; trigger: Trigger }): Record<string, string> => ({
    sweepId: d.sweepId,
    trigger: d.trigger,
  });

  return {
    findingChanged(change: FindingChange, d): void {
      const e = change.entry;
      client.trackEvent({
        name: 'ComplianceFinding',
        properties: {
          ruleId: e.ruleId,
          severity: e.severity,
          status: e.status,
          previousStatus: change.previousStatus ?? '',
          resourceId: e.resourceId,
          subscriptionId: e.subscriptionId,
          location: e.location ?? '',
          ...dims(d),
        },
      });
    },

    remediationResult(action: Action, result: ActionResult, d): void {
      const durationMs = Math.round(result.durationMs);
      client.trackEvent({
        name: 'RemediationResult',
        properties: {
          kind: action.kind,
          target: action.target,
          status: result.status,
          errorCode: result.error?.code ?? '',
          detail: result.detail ?? '',
          durationMs: String(durationMs),
          ...dims(d),
        },
        measurements: { durationMs },
      });
      client.trackMetric({
        name: 'warden.remediation.duration',
        value: durationMs,
        properties: { kind: action.kind, status: result.status },
      });
    },

    sweepCompleted(summary: SweepSummary, openByRule: Record<string, number>): void {
      const counts = Object.fromEntries(SUMMARY_COUNTS.map((k) => [k, summary[k]]));
      client.trackEvent({
        name: 'SweepCompleted',
        properties: {
          sweepId: summary.sweepId,
          trigger: summary.trigger,
          startedAt: summary.startedAt,
          ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, String(v)])),
        },
        measurements: counts,
      });
      for (const [ruleId, open] of Object.entries(openByRule)) {
        client.trackMetric({ name: 'warden.findings.open', value: open, properties: { ruleId } });
      }
    },

    exception(error: unknown, properties: Record<string, string>): void {
      client.trackException({ exception: toError(error), properties });
    },

    flush(): Promise<void> {
      const run = flushChain.then(() => client.flush());
      flushChain = run.catch(() => undefined);
      return run;
    },
  };
}
