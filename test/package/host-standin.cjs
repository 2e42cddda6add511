'use strict';
/* global require, process, console, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script run by plain node in the package folder */
/**
 * Runs inside a folder holding only the deployment package, the way the Functions host's Node worker does: it
 * provides `@azure/functions-core` (the module the worker injects; @azure/functions registers every function
 * through it, and falls back to "test mode" without it), loads the package's `main`, and prints what was
 * registered as JSON. With `sweep`, it then plays the host for one sweep: it calls the sweepTimer handler and
 * delivers each message of the `sweep-shards` queue to the sweepShard handler, as the queue trigger does.
 *
 * Usage: node host-standin.cjs <packageDir> index|sweep
 */
const Module = require('node:module');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { format } = require('node:util');

const [packageDir, mode] = process.argv.slice(2);
if (!packageDir || !['index', 'sweep'].includes(mode)) {
  console.error('usage: node host-standin.cjs <packageDir> index|sweep');
  process.exit(2);
}

const registrations = [];
let programmingModel;
const core = {
  version: '4.0.0-standin',
  hostVersion: '4.0.0-standin',
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel() {
    return programmingModel;
  },
  registerFunction(metadata, handler) {
    registrations.push({ metadata, handler });
    return { dispose() {} };
  },
  registerHook() {
    return { dispose() {} };
  },
  log(level, category, message) {
    process.stderr.write(`[${category}/${level}] ${message}\n`);
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === '@azure/functions-core') return core;
  return load.call(this, request, ...rest);
};

// Resolve everything from the package folder only, as the worker does.
const fromPackage = (id) => require(require.resolve(id, { paths: [packageDir] }));

async function sweep(byName) {
  const { InvocationContext } = fromPackage('@azure/functions');
  const { QueueClient } = fromPackage('@azure/storage-queue');
  const logs = [];
  const context = (functionName, triggerMetadata) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      triggerMetadata,
      logHandler: (level, ...args) => logs.push({ functionName, level, message: format(...args) }),
    });
  const timer = {
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: '2026-12-08T00:00:00Z', next: '2026-12-08T06:00:00Z', lastUpdated: '2026-12-08T00:00:00Z' },
  };
  await byName.get('sweepTimer').handler(timer, context('sweepTimer'));
  const queue = new QueueClient(process.env.AzureWebJobsStorage, 'sweep-shards');
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) break;
    for (const m of receivedMessageItems) {
      // host.json: messageEncoding base64; a JSON body reaches the handler as an object.
      const text = Buffer.from(m.messageText, 'base64').toString('utf8');
      await byName
        .get('sweepShard')
        .handler(JSON.parse(text), context('sweepShard', { dequeueCount: m.dequeueCount, id: m.messageId }));
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
  return logs;
}

async function run() {
  const pkg = require(path.join(packageDir, 'package.json'));
  require(path.join(packageDir, pkg.main));
  const functions = registrations.map((r) => r.metadata);
  const out = { programmingModel: programmingModel && programmingModel.name, functions };
  if (mode === 'sweep') out.logs = await sweep(new Map(registrations.map((r) => [r.metadata.name, r])));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

run().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
  },
);
