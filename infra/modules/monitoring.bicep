// Log Analytics and workspace-based Application Insights.
//
// Local (instrumentation key) ingestion stays enabled: the app's telemetry adapter
// (src/adapters/telemetry/appInsights.ts) sends its ComplianceFinding and RemediationResult events with
// the connection string only, without an Entra credential, so DisableLocalAuth: true would drop them.
// The connection string identifies the resource and is not a secret. To go Entra-only, give the
// adapter a credential (azureMonitorExporterOptions.credential), then set DisableLocalAuth: true, add
// APPLICATIONINSIGHTS_AUTHENTICATION_STRING and assign Monitoring Metrics Publisher to the identity.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Region of both.')
param location string

@description('Tags of both.')
param tags object

@description('Workspace default retention in days.')
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: false
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

output applicationInsightsName string = appInsights.name
output applicationInsightsId string = appInsights.id
output logAnalyticsWorkspaceId string = workspace.id
