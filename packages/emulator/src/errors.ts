/**
 * ARM error bodies. Every failure the emulator sends is `{error:{code, message, details?}}`, the
 * shape ARM and the resource providers use (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors).
 */

/** One entry of an ARM error's `details`. */
export interface ErrorDetail {
  code: string;
  message?: string;
  [key: string]: unknown;
}

/** An ARM error answer: thrown by handlers, turned into a response by the server. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  /** The JSON body ARM sends with this error. */
  body(): { error: { code: string; message: string; details?: ErrorDetail[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** Canonical resource type names as ARM spells them in messages. */
function typeLabel(provider: string, types: string[]): string {
  return [provider, ...types].join('/');
}

/**
 * 404 for a top-level resource, worded as ARM words it:
 * "The Resource 'Microsoft.Compute/virtualMachines/vm1' under resource group 'rg1' was not found."
 */
export function resourceNotFound(provider: string, type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${typeLabel(provider, [type])}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** 404 for a child resource the Network provider cannot find (subnets, security rules): code `NotFound`. */
export function childNotFound(id: string): ArmError {
  return new ArmError(404, 'NotFound', `Resource ${id} not found.`);
}

/** 404 ResourceGroupNotFound, as ARM answers for writes into a missing group. */
export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

/** 400 for a malformed body: the Network provider's `InvalidRequestFormat` shape. */
export function invalidRequestFormat(detail: string): ArmError {
  return new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', [
    { code: 'InvalidJson', message: detail },
  ]);
}

/** 400 InvalidRequestContent: the body is not JSON at all (ARM front door). */
export function invalidRequestContent(detail: string): ArmError {
  return new ArmError(
    400,
    'InvalidRequestContent',
    `The request content was invalid and could not be deserialized: '${detail}'.`,
  );
}
