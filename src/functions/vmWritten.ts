/**
 * Event Grid trigger: `Microsoft.Resources.ResourceWriteSuccess` from the subscription system topic (Event
 * Grid or CloudEvents schema). A new VM is evaluated and protected within seconds; NSG and rule writes
 * re-check the VMs behind the NSG. Malformed or irrelevant events are logged and acknowledged.
 */
import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { onResourceWritten } from '../app/onResourceWritten';
import { functionServices, settleFailure } from '../composition';

/** Handles one event; throws only for failures a retry can fix (Event Grid then retries). */
export async function vmWritten(event: EventGridEvent | unknown, context: InvocationContext): Promise<void> {
  const services = await functionServices();
  try {
    const result = await onResourceWritten(services.events, event);
    const line = `event ${result.eventId || '(no id)'}: ${result.outcome}: ${result.detail}`;
    if (result.outcome === 'invalid' || result.outcome === 'failed') context.warn(line);
    else context.log(line);
  } catch (e) {
    settleFailure(e, context, services.telemetry, 'vmWritten');
  } finally {
    await services.telemetry.flush();
  }
}

app.eventGrid('vmWritten', { handler: vmWritten });
