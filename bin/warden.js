#!/usr/bin/env node
'use strict';
// The `warden` command: the compiled CLI in dist/. `npm ci` builds it once (the `prepare` script), so a call runs
// no compiler. In a checkout whose sources changed since the last build, it says so (run `npm run build`).
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');

if (!existsSync(entry)) {
  process.stderr.write('warden: the CLI is not built (dist/src/cli/main.js is missing): run `npm run build`.\n');
  process.exit(2);
}

/** The newest modification time of the .ts files under a folder (0 when it does not exist). */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (newestSource(join(root, 'src')) > statSync(entry).mtimeMs)
  process.stderr.write('warden: src/ changed since the last build; this runs the built CLI (run `npm run build`).\n');

require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
