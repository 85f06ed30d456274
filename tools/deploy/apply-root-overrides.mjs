#!/usr/bin/env node
// Copies the workspace's `overrides` (root package.json) into an app's generated
// dist/apps/<app>/package.json. Nx writes the overridden versions into the generated lockfile
// but may leave `overrides` out of the generated package.json (the gateway's: fastify); then
// `npm ci` there refuses the pair as out of sync. The image build runs this after nx build.
//
//   node tools/deploy/apply-root-overrides.mjs dist/apps/webhook-gateway/package.json
import { readFileSync, writeFileSync } from 'node:fs';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: apply-root-overrides.mjs <generated package.json>\n');
  process.exit(2);
}
const root = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const app = JSON.parse(readFileSync(target, 'utf8'));
if (root.overrides && Object.keys(root.overrides).length > 0) {
  app.overrides = { ...root.overrides, ...app.overrides };
  writeFileSync(target, `${JSON.stringify(app, null, 2)}\n`);
}
