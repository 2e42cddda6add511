#!/bin/sh
# azd postprovision hook: grants the compliance identity (BACKUP_WARDEN_PRINCIPAL_ID, a main.bicep
# output) Reader and the custom role "backup-warden remediator" where it sweeps:
#   - each management group of WARDEN_MANAGEMENT_GROUPS (infra/targets/targets-managementgroup.bicep);
#   - the subscriptions of WARDEN_SUBSCRIPTIONS (infra/targets/targets-subscriptions.bicep);
#   - with neither set, the host subscription (AZURE_SUBSCRIPTION_ID).
# WARDEN_VAULT_SUBSCRIPTION (a central backup subscription) gets the same grants with the subscriptions.
# BACKUP_WARDEN_ROLE_NAME overrides the custom role's name (names are unique per tenant).
# BACKUP_WARDEN_SKIP_GRANTS=true skips this step (when someone else grants the roles).
# The signed-in az account needs Owner or User Access Administrator at every target.
# POSIX sh (azd runs posix hooks with sh); runs under bash too.
set -eu

if [ "${BACKUP_WARDEN_SKIP_GRANTS:-false}" = "true" ]; then
  echo "backup-warden: BACKUP_WARDEN_SKIP_GRANTS=true, not granting roles"
  exit 0
fi
: "${BACKUP_WARDEN_PRINCIPAL_ID:?is not set: run azd provision first}"
: "${AZURE_LOCATION:?is not set}"

targets=$(cd "$(dirname "$0")/../targets" && pwd)
subscriptions=$(printf '%s' "${WARDEN_SUBSCRIPTIONS:-}" | tr -d ' ')
management_groups=$(printf '%s' "${WARDEN_MANAGEMENT_GROUPS:-}" | tr -d ' ')
role_name=${BACKUP_WARDEN_ROLE_NAME:-backup-warden remediator}

# A new role definition takes a moment to replicate before it can be assigned: retry.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 3 ]; then
      return 1
    fi
    echo "backup-warden: retrying in 30 s ($attempt/3)" >&2
    sleep 30
    attempt=$((attempt + 1))
  done
}

if [ -n "$management_groups" ]; then
  for mg in $(printf '%s' "$management_groups" | tr ',' ' '); do
    echo "backup-warden: granting Reader and '$role_name' at management group $mg"
    retry az deployment mg create --management-group-id "$mg" --location "$AZURE_LOCATION" \
      --name backup-warden-targets --template-file "$targets/targets-managementgroup.bicep" \
      --parameters principalId="$BACKUP_WARDEN_PRINCIPAL_ID" roleName="$role_name" \
      --only-show-errors --output none
  done
fi

if [ -z "$subscriptions" ] && [ -z "$management_groups" ]; then
  subscriptions=${AZURE_SUBSCRIPTION_ID:?is not set}
fi
if [ -n "$subscriptions" ]; then
  ids=$(printf '%s' "$subscriptions" | sed 's/^/["/; s/,/","/g; s/$/"]/')
  first=${subscriptions%%,*}
  echo "backup-warden: granting Reader and '$role_name' in subscriptions $subscriptions"
  retry az deployment sub create --subscription "$first" --location "$AZURE_LOCATION" \
    --name backup-warden-targets --template-file "$targets/targets-subscriptions.bicep" \
    --parameters principalId="$BACKUP_WARDEN_PRINCIPAL_ID" subscriptionIds="$ids" roleName="$role_name" \
    ${WARDEN_VAULT_SUBSCRIPTION:+"vaultSubscriptionId=$WARDEN_VAULT_SUBSCRIPTION"} \
    --only-show-errors --output none
fi
