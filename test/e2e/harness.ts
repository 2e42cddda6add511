/**
 * What the Function App tests run on: real Azurite queues and tables (started here), the local HTTPS Azure
 * emulator, and the handlers called the way the Functions host calls them, with a real
 * `new InvocationContext({ invocationId, functionName, logHandler, triggerMetadata })`.
 *
 * {@link QueueHost} stands in for the host's queue listener (the host is not available here). It mirrors
 * the documented behaviour of the Azure Functions queue trigger
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger#poison-messages,
 * #peek-lock, and the `extensions.queues` section of host.json):
 * - a message is received (its dequeueCount goes up by one) and stays invisible while the function runs;
 * - the message is base64-decoded (`messageEncoding: base64`) and JSON becomes an object for the handler;
 *   `triggerMetadata` carries `dequeueCount`, `id`, `popReceipt`, `insertionTime`, `expirationTime`,
 *   `nextVisibleTime`;
 * - the function returns: the message is deleted;
 * - the function throws: when `dequeueCount >= maxDequeueCount` (host.json: 5) the message text is put
 *   on `<queue>-poison` and deleted; otherwise it is made visible again after host.json's
 *   `visibilityTimeout` — which the tests shorten to 0 s (the one deviation: they do not wait 30 s).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvocationContext, type LogLevel, type Timer, type TriggerMetadata } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { decodeMessageText } from '../../src/adapters/storage/queue';
import { TableLedger } from '../../src/adapters/storage/tableLedger';
import { functionServices, useFunctionServices, type AzureTuning, type FunctionServices } from '../../src/composition';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@backup-warden/emulator';
import { startAzurite, type Azurite } from '../support/azurite';

/** Short waits against the emulator, so that a `500=1` fault fails in milliseconds, not seconds. */
export const FAST: AzureTuning = {
  maxRetries: 2,
  retryBounds: { baseDelayMs: 5, maxDelayMs: 20 },
  pollIntervalMs: 10,
  remediatorRetry: { baseDelayMs: 5, maxDelayMs: 20 },
  resourceGraph: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
};

/** host.json's queue settings (the values the host would use). */
export interface QueueSettings {
  maxDequeueCount: number;
  visibilityTimeout: string;
  messageEncoding: string;
}

/** Reads `extensions.queues` from the project's host.json. */
export function hostQueueSettings(): QueueSettings {
  const host = JSON.parse(readFileSync(resolve(__dirname, '../../host.json'), 'utf8')) as {
    extensions: { queues: QueueSettings };
  };
  return host.extensions.queues;
}

/** The timer trigger's argument, as the host passes it. */
export function timerInfo(isPastDue = false): Timer {
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: '2025-03-01T00:00:00Z', next: '2025-03-01T06:00:00Z', lastUpdated: '2025-03-01T00:00:00Z' },
  };
}

/** One line an invocation logged through its context. */
export interface LogLine {
  level: LogLevel;
  message: string;
}

/** A real InvocationContext whose log lines are kept. */
export function invocation(
  functionName: string,
  triggerMetadata: TriggerMetadata = {},
): { context: InvocationContext; logs: LogLine[]; text: () => string } {
  const logs: LogLine[] = [];
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) =>
      logs.push({ level, message: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') }),
  });
  return { context, logs, text: () => logs.map((l) => `${l.level}: ${l.message}`).join('\n') };
}

/** A queue handler as the Function App exports it. */
export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/** What happened to one delivery. */
export interface Delivery {
  messageId: string;
  dequeueCount: number;
  body: unknown;
  outcome: 'completed' | 'failed-retry' | 'failed-poisoned';
  error?: unknown;
  logs: LogLine[];
}

/** The Functions host's queue listener for one queue, as described in the file comment. */
export class QueueHost {
  readonly client: QueueClient;
  readonly poison: QueueClient;
  readonly deliveries: Delivery[] = [];
  private readonly settings = hostQueueSettings();

  constructor(
    connectionString: string,
    readonly queueName: string,
    readonly functionName: string,
    private readonly handler: QueueHandler,
  ) {
    this.client = new QueueClient(connectionString, queueName);
    this.poison = new QueueClient(connectionString, `${queueName}-poison`);
  }

  /** Delivers one message, if one is visible; returns what happened. */
  async deliverOne(): Promise<Delivery | undefined> {
    await this.client.createIfNotExists();
    const received = await this.client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 300 });
    const m = received.receivedMessageItems[0];
    if (!m) return undefined;
    const body = decodeMessageText(m.messageText);
    const { context, logs } = invocation(this.functionName, {
      dequeueCount: m.dequeueCount,
      id: m.messageId,
      popReceipt: m.popReceipt,
      insertionTime: m.insertedOn.toISOString(),
      expirationTime: m.expiresOn.toISOString(),
      nextVisibleTime: m.nextVisibleOn.toISOString(),
    });
    try {
      await this.handler(body, context);
    } catch (error) {
      if (m.dequeueCount >= this.settings.maxDequeueCount) {
        await this.poison.createIfNotExists();
        await this.poison.sendMessage(m.messageText);
        await this.client.deleteMessage(m.messageId, m.popReceipt);
        return this.record({
          messageId: m.messageId,
          dequeueCount: m.dequeueCount,
          body,
          outcome: 'failed-poisoned',
          error,
          logs,
        });
      }
      // host.json says visibilityTimeout 00:00:30 between retries; the tests retry at once.
      await this.client.updateMessage(m.messageId, m.popReceipt, undefined, 0);
      return this.record({
        messageId: m.messageId,
        dequeueCount: m.dequeueCount,
        body,
        outcome: 'failed-retry',
        error,
        logs,
      });
    }
    await this.client.deleteMessage(m.messageId, m.popReceipt);
    return this.record({ messageId: m.messageId, dequeueCount: m.dequeueCount, body, outcome: 'completed', logs });
  }

  /**
   * Delivers until the queue is empty (or `max` deliveries); returns the deliveries of this call.
   * `concurrency` > 1 runs that many listeners at once, as the host does (batchSize) and as several
   * instances of a scaled-out app do: they share nothing but the storage account.
   */
  async drain(max = 200, concurrency = 1): Promise<Delivery[]> {
    const out: Delivery[] = [];
    let budget = max;
    const worker = async (): Promise<void> => {
      while (budget > 0) {
        budget--;
        const d = await this.deliverOne();
        if (!d) return;
        out.push(d);
      }
      throw new Error(`${this.queueName}: still not empty after ${max} deliveries`);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return out;
  }

  /** The visible messages' decoded bodies (at most 32, the service's peek limit). */
  async peek(): Promise<unknown[]> {
    await this.client.createIfNotExists();
    const r = await this.client.peekMessages({ numberOfMessages: 32 });
    return r.peekedMessageItems.map((m) => decodeMessageText(m.messageText));
  }

  /** The poison queue's decoded bodies. */
  async peekPoison(): Promise<unknown[]> {
    await this.poison.createIfNotExists();
    const r = await this.poison.peekMessages({ numberOfMessages: 32 });
    return r.peekedMessageItems.map((m) => decodeMessageText(m.messageText));
  }

  /** The approximate number of messages (visible or not). */
  async count(): Promise<number> {
    await this.client.createIfNotExists();
    return (await this.client.getProperties()).approximateMessagesCount ?? 0;
  }

  private record(d: Delivery): Delivery {
    this.deliveries.push(d);
    return d;
  }
}

/** A running stack: Azurite, the emulator, and the app settings that point the Function App at them. */
export interface Stack {
  azurite: Azurite;
  emu: RunningEmulator;
  /** The app settings (WARDEN_*, AzureWebJobsStorage, APPLICATIONINSIGHTS_CONNECTION_STRING). */
  env: Record<string, string>;
  /** A ledger over the same `findings` table, for the tests to read. */
  ledger: TableLedger;
  /** The raw `findings` table. */
  table: TableClient;
  /** Builds services from `env` (plus overrides) and makes the handlers use them. */
  use(overrides?: Record<string, string | undefined>): Promise<FunctionServices>;
  stop(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  estate: unknown[];
  env?: Record<string, string>;
  /** Extra CA certificates (PEM) the app trusts besides the emulator's: e.g. the ingestion capture server's. */
  extraCa?: string[];
  emulator?: Partial<Omit<EmulatorOptions, 'estate'>>;
}

/**
 * Starts Azurite and the emulator. WARDEN_CA_CERT_PATH points at a PEM bundle of the emulator's
 * certificate and `extraCa`: composition hands it to the ARM clients and to the telemetry exporter.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const [azurite, emu] = await Promise.all([
    startAzurite(),
    startEmulator({
      lroRetryAfterSeconds: 0,
      lroAutoCompleteMs: 200,
      seed: 11,
      ...options.emulator,
      estate: options.estate,
    }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'warden-fn-'));
  const bundle = join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, [emu.caCert, ...(options.extraCa ?? [])].join('\n'), 'utf8');
  const env: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    WARDEN_ARM_ENDPOINT: emu.endpoint,
    WARDEN_ARM_TOKEN: emu.token,
    WARDEN_CA_CERT_PATH: bundle,
    WARDEN_MODE: 'remediate',
    ...options.env,
  };
  const table = TableClient.fromConnectionString(azurite.connectionString, 'findings', {
    allowInsecureConnection: true,
  });
  return {
    azurite,
    emu,
    env,
    ledger: new TableLedger({ client: table }),
    table,
    async use(overrides = {}) {
      const merged: Record<string, string | undefined> = { ...env, ...overrides };
      const services = functionServices(merged, FAST);
      useFunctionServices(services);
      return services;
    },
    async stop() {
      useFunctionServices(undefined);
      await Promise.allSettled([emu.stop(), azurite.stop()]);
    },
  };
}
