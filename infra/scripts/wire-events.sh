#!/bin/sh
# azd postdeploy hook: once the code (and so the vmWritten function) exists, deploys
# infra/targets/eventgrid.bicep in every subscription whose resource writes the event path should see:
#   BACKUP_WARDEN_EVENT_SUBSCRIPTIONS, else WARDEN_SUBSCRIPTIONS, else every subscription below
#   WARDEN_MANAGEMENT_GROUPS (Resource Graph), else the host subscription.
# BACKUP_WARDEN_EVENTS=false skips it (the timer sweeps still run).
# POSIX sh (azd runs posix hooks with sh); runs under bash too.
set -eu

if [ "${BACKUP_WARDEN_EVENTS:-true}" = "false" ]; then
  echo "backup-warden: BACKUP_WARDEN_EVENTS=false, not wiring Event Grid"
  exit 0
fi
: "${AZURE_FUNCTION_APP_ID:?is not set: run azd provision first}"
: "${AZURE_RESOURCE_GROUP:?is not set}"
: "${AZURE_STORAGE_ACCOUNT_NAME:?is not set}"
: "${AZURE_SUBSCRIPTION_ID:?is not set}"
: "${AZURE_LOCATION:?is not set}"

targets=$(cd "$(dirname "$0")/../targets" && pwd)
subscriptions=$(printf '%s' "${BACKUP_WARDEN_EVENT_SUBSCRIPTIONS:-${WARDEN_SUBSCRIPTIONS:-}}" | tr -d ' ')
management_groups=$(printf '%s' "${WARDEN_MANAGEMENT_GROUPS:-}" | tr -d ' ')
if [ -z "$subscriptions" ] && [ -n "$management_groups" ]; then
  # shellcheck disable=SC2046 # one argument per management group
  subscriptions=$(az graph query \
    -q "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project subscriptionId" \
    --management-groups $(printf '%s' "$management_groups" | tr ',' ' ') --first 1000 \
    --query "data[].subscriptionId" --output tsv --only-show-errors | paste -sd, -)
fi
subscriptions=${subscriptions:-$AZURE_SUBSCRIPTION_ID}

# The Functions host indexes vmWritten shortly after a deployment: retry while Event Grid can't see it.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 4 ]; then
      return 1
    fi
    echo "backup-warden: retrying in 30 s ($attempt/4)" >&2
    sleep 30
    attempt=$((attempt + 1))
  done
}

for subscription in $(printf '%s' "$subscriptions" | tr ',' ' '); do
  echo "backup-warden: wiring Event Grid in subscription $subscription to vmWritten"
  retry az deployment sub create --subscription "$subscription" --location "$AZURE_LOCATION" \
    --name backup-warden-events --template-file "$targets/eventgrid.bicep" \
    --parameters functionAppId="$AZURE_FUNCTION_APP_ID" hostSubscriptionId="$AZURE_SUBSCRIPTION_ID" \
      hostResourceGroupName="$AZURE_RESOURCE_GROUP" storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    --only-show-errors --output none
done
