# azd predeploy hook (Windows): see build.sh.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '../..')

npm ci --no-audit --no-fund
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
npm run build
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
if ($env:BACKUP_WARDEN_PRUNE_DEV_DEPENDENCIES -eq 'true') {
  npm ci --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund
  if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
