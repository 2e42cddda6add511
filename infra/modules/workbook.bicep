// The compliance workbook over the app's custom events (infra/workbook.json), shown on the
// Application Insights resource.

@description('Resource id of the Application Insights component the workbook reads.')
param applicationInsightsId string

@description('Region of the workbook.')
param location string

@description('Tags of the workbook.')
param tags object

@description('Title of the workbook.')
param displayName string = 'backup-warden compliance'

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, applicationInsightsId, 'backup-warden-compliance')
  location: location
  tags: union(tags, { 'hidden-title': displayName })
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    version: 'Notebook/1.0'
    serializedData: loadTextContent('../workbook.json')
  }
}

output id string = workbook.id
