# azd postprovision hook (Windows): see grant-targets.sh.
$ErrorActionPreference = 'Stop'

if ($env:BACKUP_WARDEN_SKIP_GRANTS -eq 'true') {
  Write-Host 'backup-warden: BACKUP_WARDEN_SKIP_GRANTS=true, not granting roles'
  exit 0
}
if (-not $env:BACKUP_WARDEN_PRINCIPAL_ID) { throw 'BACKUP_WARDEN_PRINCIPAL_ID is not set: run azd provision first' }
if (-not $env:AZURE_LOCATION) { throw 'AZURE_LOCATION is not set' }

$targets = Join-Path $PSScriptRoot '../targets'
$split = { param([string] $list) @(($list -replace '\s', '') -split ',' | Where-Object { $_ }) }
$subscriptions = @(& $split $env:WARDEN_SUBSCRIPTIONS)
$managementGroups = @(& $split $env:WARDEN_MANAGEMENT_GROUPS)
$roleName = if ($env:BACKUP_WARDEN_ROLE_NAME) { $env:BACKUP_WARDEN_ROLE_NAME } else { 'backup-warden remediator' }

# A new role definition takes a moment to replicate before it can be assigned: retry.
function Invoke-WithRetry([scriptblock] $Command) {
  for ($attempt = 1; ; $attempt++) {
    & $Command
    if ($LASTEXITCODE -eq 0) { return }
    if ($attempt -ge 3) { throw "az failed with exit code $LASTEXITCODE" }
    Write-Warning "backup-warden: retrying in 30 s ($attempt/3)"
    Start-Sleep -Seconds 30
  }
}

foreach ($mg in $managementGroups) {
  Write-Host "backup-warden: granting Reader and '$roleName' at management group $mg"
  Invoke-WithRetry {
    az deployment mg create --management-group-id $mg --location $env:AZURE_LOCATION `
      --name backup-warden-targets --template-file (Join-Path $targets 'targets-managementgroup.bicep') `
      --parameters principalId=$env:BACKUP_WARDEN_PRINCIPAL_ID "roleName=$roleName" `
      --only-show-errors --output none
  }
}

if ($subscriptions.Count -eq 0 -and $managementGroups.Count -eq 0) {
  if (-not $env:AZURE_SUBSCRIPTION_ID) { throw 'AZURE_SUBSCRIPTION_ID is not set' }
  $subscriptions = @($env:AZURE_SUBSCRIPTION_ID)
}
if ($subscriptions.Count -gt 0) {
  $ids = ConvertTo-Json -InputObject @($subscriptions) -Compress
  $parametersFile = New-TemporaryFile
  @{
    '$schema'      = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#'
    contentVersion = '1.0.0.0'
    parameters     = @{
      principalId     = @{ value = $env:BACKUP_WARDEN_PRINCIPAL_ID }
      subscriptionIds = @{ value = @($subscriptions) }
      roleName        = @{ value = $roleName }
      # A central backup subscription (WARDEN_VAULT_SUBSCRIPTION) gets the same grants.
      vaultSubscriptionId = @{ value = [string]$env:WARDEN_VAULT_SUBSCRIPTION }
    }
  } | ConvertTo-Json -Depth 5 | Set-Content -Path $parametersFile
  Write-Host "backup-warden: granting Reader and '$roleName' in subscriptions $ids"
  try {
    Invoke-WithRetry {
      az deployment sub create --subscription $subscriptions[0] --location $env:AZURE_LOCATION `
        --name backup-warden-targets --template-file (Join-Path $targets 'targets-subscriptions.bicep') `
        --parameters "@$parametersFile" --only-show-errors --output none
    }
  } finally {
    Remove-Item $parametersFile -ErrorAction SilentlyContinue
  }
}
