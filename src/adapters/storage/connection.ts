/** How the adapters reach the Function App's storage account (AzureWebJobsStorage). */
import type { TokenCredential } from '@azure/core-auth';

/** A connection string (`AzureWebJobsStorage`, Azurite's `UseDevelopmentStorage=true`), or an identity-based account. */
export type StorageConnection = { connectionString: string } | { accountName: string; credential: TokenCredential };
