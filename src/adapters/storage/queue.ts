/**
 * JSON messages on Azure Storage queues (the Function App's AzureWebJobsStorage account, or Azurite).
 * Messages are sent base64-encoded, because the Functions host's queue trigger decodes base64 by default
 * (`extensions.queues.messageEncoding: base64` in host.json).
 * @see https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json
 */
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { MessageQueue } from '../../ports';
import type { StorageConnection } from './connection';

/** A message taken off a queue: invisible to others until its visibility timeout ends or it is deleted. */
export interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  /** 1 on first delivery, +1 on each redelivery. */
  dequeueCount: number;
  /** The decoded JSON body ({@link decodeMessageText}). */
  body: unknown;
}

/** A message read without dequeuing it. */
export interface PeekedMessage {
  messageId: string;
  dequeueCount: number;
  body: unknown;
}

/** How to reach the queue: a connection string, an identity-based account, or an existing client (tests). */
export type StorageQueueOptions =
  | (StorageConnection & {
      queueName: string;
      /** Defaults to `https://{accountName}.queue.core.windows.net`. */
      queueEndpoint?: string;
    })
  | { client: QueueClient };

/** Encodes a message as the Functions host expects it: base64 of the UTF-8 JSON. */
export function encodeMessage(message: unknown): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/**
 * Decodes a message text: base64 of JSON (what {@link encodeMessage} writes), else plain JSON (what a
 * `messageEncoding: none` sender writes), else the text itself.
 */
export function decodeMessageText(text: string): unknown {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && trimmed.length % 4 === 0) {
    try {
      return JSON.parse(Buffer.from(trimmed, 'base64').toString('utf8')) as unknown;
    } catch {
      // not base64 of JSON: fall through
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queueClientOf(options: StorageQueueOptions): QueueClient {
  if ('client' in options) return options.client;
  if ('connectionString' in options)
    return QueueServiceClient.fromConnectionString(options.connectionString).getQueueClient(options.queueName);
  const endpoint = (options.queueEndpoint ?? `https://${options.accountName}.queue.core.windows.net`).replace(
    /\/+$/,
    '',
  );
  return new QueueClient(`${endpoint}/${options.queueName}`, options.credential);
}

/** A {@link MessageQueue} of JSON messages on one Storage queue, created on first use. */
export class StorageQueue<T> implements MessageQueue<T> {
  readonly client: QueueClient;
  private ready: Promise<void> | undefined;

  constructor(options: StorageQueueOptions) {
    this.client = queueClientOf(options);
  }

  /** The queue's name. */
  get name(): string {
    return this.client.name;
  }

  /** Creates the queue if it is missing (once per instance; retried after a failure). */
  async ensureQueue(): Promise<void> {
    this.ready ??= this.client.createIfNotExists().then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }

  /** Sends one message (base64 JSON); `visibilityDelaySeconds` hides it for that long first. */
  async send(message: T, options: { visibilityDelaySeconds?: number } = {}): Promise<void> {
    await this.ensureQueue();
    await this.client.sendMessage(
      encodeMessage(message),
      options.visibilityDelaySeconds ? { visibilityTimeout: options.visibilityDelaySeconds } : {},
    );
  }

  /** Dequeues up to `maxMessages` (1..32) messages, invisible to others for `visibilityTimeoutSeconds`. */
  async receive(options: { maxMessages?: number; visibilityTimeoutSeconds?: number } = {}): Promise<ReceivedMessage[]> {
    await this.ensureQueue();
    const response = await this.client.receiveMessages({
      numberOfMessages: options.maxMessages ?? 1,
      visibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
    });
    return response.receivedMessageItems.map((m) => ({
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
      body: decodeMessageText(m.messageText),
    }));
  }

  /** Reads up to 32 visible messages (the service's peek limit) without dequeuing them. */
  async peekAll(): Promise<PeekedMessage[]> {
    await this.ensureQueue();
    const response = await this.client.peekMessages({ numberOfMessages: 32 });
    return response.peekedMessageItems.map((m) => ({
      messageId: m.messageId,
      dequeueCount: m.dequeueCount,
      body: decodeMessageText(m.messageText),
    }));
  }

  /** Deletes a received message (done with it). */
  async deleteMessage(messageId: string, popReceipt: string): Promise<void> {
    await this.client.deleteMessage(messageId, popReceipt);
  }

  /** Deletes every message. */
  async clear(): Promise<void> {
    await this.ensureQueue();
    await this.client.clearMessages();
  }
}
