/**
 * Event Grid events from a subscription system topic, validated once with zod: the Event Grid schema and
 * the CloudEvents 1.0 schema (topic→source, eventType→type, eventTime→time; docs/azure-facts.md §5).
 */
import { z } from 'zod';
import { ancestorId, idKey, tryParseResourceId, typeOf, unsafeIdReason } from './ids';
import { describeZodError } from './rows';

/** The operations the event path handles; the Event Grid advanced filter lists exactly these. */
export const HANDLED_OPERATIONS = [
  'Microsoft.Compute/virtualMachines/write',
  'Microsoft.Network/networkSecurityGroups/write',
  'Microsoft.Network/networkSecurityGroups/securityRules/write',
] as const;

/** The event type the event path handles. */
export const RESOURCE_WRITE_SUCCESS = 'Microsoft.Resources.ResourceWriteSuccess';

/** A resource write event, whichever schema it came in. */
export interface ResourceWriteEvent {
  id: string;
  eventType: string;
  subject: string;
  time: string;
  resourceUri: string;
  operationName: string;
  status: string;
  subscriptionId?: string;
  correlationId?: string;
}

const data = z
  .object({
    resourceUri: z.string().min(1),
    operationName: z.string().min(1),
    status: z.string().optional(),
    subscriptionId: z.string().optional(),
    correlationId: z.string().optional(),
  })
  .passthrough();

const eventGridSchema = z
  .object({
    id: z.string().min(1),
    topic: z.string().optional(),
    subject: z.string(),
    eventType: z.string().min(1),
    eventTime: z.string(),
    dataVersion: z.string().optional(),
    data,
  })
  .passthrough();

const cloudEventSchema = z
  .object({
    specversion: z.string(),
    id: z.string().min(1),
    source: z.string(),
    subject: z.string().optional(),
    type: z.string().min(1),
    time: z.string().optional(),
    data,
  })
  .passthrough();

function invalid(reason: string, id: string | undefined): { ok: false; reason: string; id?: string } {
  return id ? { ok: false, reason, id } : { ok: false, reason };
}

/** Converts an Event Grid or CloudEvents event; an invalid one gives the reason, naming the bad field. */
export function fromEventGridEvent(
  raw: unknown,
): { ok: true; event: ResourceWriteEvent } | { ok: false; reason: string; id?: string } {
  const id =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : undefined;
  const isCloudEvent = typeof raw === 'object' && raw !== null && 'specversion' in raw;
  let base: Pick<ResourceWriteEvent, 'id' | 'eventType' | 'subject' | 'time'>;
  let d: z.infer<typeof data>;
  if (isCloudEvent) {
    const parsed = cloudEventSchema.safeParse(raw);
    if (!parsed.success) return invalid(`CloudEvent: ${describeZodError(parsed.error)}`, id);
    d = parsed.data.data;
    base = {
      id: parsed.data.id,
      eventType: parsed.data.type,
      subject: parsed.data.subject ?? d.resourceUri,
      time: parsed.data.time ?? '',
    };
  } else {
    const parsed = eventGridSchema.safeParse(raw);
    if (!parsed.success) return invalid(`Event Grid event: ${describeZodError(parsed.error)}`, id);
    d = parsed.data.data;
    base = {
      id: parsed.data.id,
      eventType: parsed.data.eventType,
      subject: parsed.data.subject,
      time: parsed.data.eventTime,
    };
  }
  const unsafe = unsafeIdReason(d.resourceUri);
  if (unsafe) return invalid(`data.resourceUri: ${unsafe}`, id);
  const event: ResourceWriteEvent = {
    ...base,
    resourceUri: d.resourceUri,
    operationName: d.operationName,
    status: d.status ?? '',
  };
  if (d.subscriptionId) event.subscriptionId = d.subscriptionId;
  if (d.correlationId) event.correlationId = d.correlationId;
  return { ok: true, event };
}

/** What the event path does with an event. */
export type EventTarget =
  | { kind: 'virtualMachine'; vmId: string }
  | { kind: 'networkSecurityGroup'; nsgId: string }
  | { kind: 'ignored'; reason: string };

/** Decides whether an event concerns a VM write or an NSG (rule) write; everything else is ignored, with the reason. */
export function classifyEvent(event: ResourceWriteEvent): EventTarget {
  if (event.eventType !== RESOURCE_WRITE_SUCCESS) return { kind: 'ignored', reason: `event type ${event.eventType}` };
  if (event.status && event.status.toLowerCase() !== 'succeeded')
    return { kind: 'ignored', reason: `status ${event.status}` };
  const uri = event.resourceUri;
  if (/\/providers\/Microsoft\.Resources\/deployments\//i.test(uri))
    return { kind: 'ignored', reason: 'deployment-scoped resource URI' };
  const op = event.operationName.toLowerCase();
  if (!tryParseResourceId(uri)) return { kind: 'ignored', reason: `resourceUri '${uri}' is not a resource id` };
  const type = typeOf(uri);
  if (op === HANDLED_OPERATIONS[0].toLowerCase()) {
    return type === 'microsoft.compute/virtualmachines'
      ? { kind: 'virtualMachine', vmId: uri }
      : { kind: 'ignored', reason: `resource type ${type}` };
  }
  if (op === HANDLED_OPERATIONS[1].toLowerCase() || op === HANDLED_OPERATIONS[2].toLowerCase()) {
    const nsgId = ancestorId(uri, 1);
    if (nsgId && typeOf(nsgId) === 'microsoft.network/networksecuritygroups')
      return { kind: 'networkSecurityGroup', nsgId };
    return { kind: 'ignored', reason: `resource type ${type}` };
  }
  return { kind: 'ignored', reason: `operation ${event.operationName}` };
}

/** The dedupe key of an event, and the debounce key of its target. */
export function eventKeys(event: ResourceWriteEvent, target: EventTarget): { dedupe: string; debounce?: string } {
  const dedupe = `event|${event.id}`;
  if (target.kind === 'virtualMachine') return { dedupe, debounce: `vm|${idKey(target.vmId)}` };
  if (target.kind === 'networkSecurityGroup') return { dedupe, debounce: `nsg|${idKey(target.nsgId)}` };
  return { dedupe };
}
