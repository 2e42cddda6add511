# azd postdeploy hook (Windows): see wire-events.sh.
$ErrorActionPreference = 'Stop'

if ($env:BACKUP_WARDEN_EVENTS -eq 'false') {
  Write-Host 'backup-warden: BACKUP_WARDEN_EVENTS=false, not wiring Event Grid'
  exit 0
}
foreach ($name in 'AZURE_FUNCTION_APP_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_STORAGE_ACCOUNT_NAME', 'AZURE_SUBSCRIPTION_ID', 'AZURE_LOCATION') {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: run azd provision first" }
}

$targets = Join-Path $PSScriptRoot '../targets'
$split = { param([string] $list) @(($list -replace '\s', '') -split ',' | Where-Object { $_ }) }
$subscriptions = @(& $split $(if ($env:BACKUP_WARDEN_EVENT_SUBSCRIPTIONS) { $env:BACKUP_WARDEN_EVENT_SUBSCRIPTIONS } else { $env:WARDEN_SUBSCRIPTIONS }))
$managementGroups = @(& $split $env:WARDEN_MANAGEMENT_GROUPS)
if ($subscriptions.Count -eq 0 -and $managementGroups.Count -gt 0) {
  $subscriptions = @(az graph query `
      -q "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project subscriptionId" `
      --management-groups @managementGroups --first 1000 `
      --query 'data[].subscriptionId' --output tsv --only-show-errors)
  if ($LASTEXITCODE -ne 0) { throw 'az graph query failed' }
}
if ($subscriptions.Count -eq 0) { $subscriptions = @($env:AZURE_SUBSCRIPTION_ID) }

foreach ($subscription in $subscriptions) {
  Write-Host "backup-warden: wiring Event Grid in subscription $subscription to vmWritten"
  for ($attempt = 1; ; $attempt++) {
    az deployment sub create --subscription $subscription --location $env:AZURE_LOCATION `
      --name backup-warden-events --template-file (Join-Path $targets 'eventgrid.bicep') `
      --parameters functionAppId=$env:AZURE_FUNCTION_APP_ID hostSubscriptionId=$env:AZURE_SUBSCRIPTION_ID `
      hostResourceGroupName=$env:AZURE_RESOURCE_GROUP storageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME `
      --only-show-errors --output none
    if ($LASTEXITCODE -eq 0) { break }
    if ($attempt -ge 4) { throw "az deployment failed for subscription $subscription" }
    Write-Warning "backup-warden: retrying in 30 s ($attempt/4)"
    Start-Sleep -Seconds 30
  }
}
