/**
 * Event Grid trigger: `Microsoft.Resources.ResourceWriteSuccess` from the subscription system topic (Event
 * Grid or CloudEvents schema). A new VM is evaluated and protected within seconds; NSG and rule writes
 * re-check the VMs behind the NSG. Malformed or irrelevant events are logged and acknowledged.
 */
import { app } from '@azure/functions';
import { onResourceWritten } from '../app/onResourceWritten';
import { invocation } from './invocation';

/** Handles one event; throws only for failures a retry can fix (Event Grid then retries). */
export const vmWritten = invocation<unknown>('vmWritten', async (event, context, services) => {
  const result = await onResourceWritten(services.events, event);
  const line = `event ${result.eventId || '(no id)'}: ${result.outcome}: ${result.detail}`;
  if (result.outcome === 'invalid' || result.outcome === 'failed') context.warn(line);
  else context.log(line);
});

app.eventGrid('vmWritten', { handler: vmWritten });
