#!/bin/sh
# azd predeploy hook: installs exactly the lockfile and compiles to dist/ (package.json main is
# dist/src/functions/index.js); .funcignore keeps sources, tests and the emulator out of the package.
# With BACKUP_WARDEN_PRUNE_DEV_DEPENDENCIES=true (CI) it then reinstalls production dependencies only, without the
# emulator workspace (the package test in test/package builds the package the same way); locally the development
# dependencies stay so that `npm test` keeps working.
# POSIX sh (azd runs posix hooks with sh); runs under bash too.
set -eu
cd "$(dirname "$0")/../.."

npm ci --no-audit --no-fund
npm run build
if [ "${BACKUP_WARDEN_PRUNE_DEV_DEPENDENCIES:-false}" = "true" ]; then
  npm ci --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund
fi
