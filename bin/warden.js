#!/usr/bin/env node
'use strict';
// The `warden` command: the compiled CLI in dist/ (built by `npm run build`).
require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
