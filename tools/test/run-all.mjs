#!/usr/bin/env node
// `npm test`: formatting, lint, type checks, builds, then every project's tests, each project in its own
// Jest run (its own database and RabbitMQ vhost). Prints one closing line
// "N passed, N failed" summed over all projects, and exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const nx = join(root, 'node_modules', '.bin', 'nx');
const resultsDir = join(root, 'tmp', 'test-results');
const projects = [
  'contracts',
  'webhook-delivery',
  'messaging',
  'domain',
  'adapters',
  'runtime',
  'tools',
  'webhook-gateway',
  'status-worker',
  'inbound-worker',
  'event-dispatcher',
];

function step(title, args) {
  process.stdout.write(`\n=== ${title}\n`);
  const result = spawnSync(nx, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  return result.status === 0;
}

// The first lines of a failure message, without colour codes: enough to tell a timeout from an assertion.
function firstLines(text, count = 6) {
  return (text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, count)
    .join('\n    ');
}

const failures = [];
process.stdout.write('\n=== format (prettier --check; `npm run format` fixes)\n');
if (spawnSync(join(root, 'node_modules', '.bin', 'prettier'), ['--check', '.'], { cwd: root, stdio: 'inherit' }).status !== 0)
  failures.push('format');
if (!step('lint', ['run-many', '-t', 'lint', '--outputStyle=static'])) failures.push('lint');
if (!step('type checks', ['run-many', '-t', 'typecheck', '--outputStyle=static'])) failures.push('typecheck');
if (!step('build', ['run-many', '-t', 'build', '--outputStyle=static'])) failures.push('build');

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
let passed = 0;
let failed = 0;
// Named again at the end, so the tail of a CI log says which test failed and why.
const failedTests = [];
for (const project of projects) {
  const outputFile = join(resultsDir, `${project}.json`);
  const ok = step(`tests: ${project}`, [
    'test',
    project,
    '--outputStyle=static',
    '--skip-nx-cache',
    `--json`,
    `--outputFile=${outputFile}`,
  ]);
  if (existsSync(outputFile)) {
    const report = JSON.parse(readFileSync(outputFile, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A suite that fails to compile counts no test; count it so it cannot pass silently.
    failed += report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length;
    for (const suite of report.testResults) {
      const file = suite.name.slice(root.length);
      const failing = suite.assertionResults.filter((test) => test.status === 'failed');
      for (const test of failing) failedTests.push(`${file} › ${test.fullName}\n    ${firstLines(test.failureMessages.join('\n'))}`);
      if (suite.status === 'failed' && failing.length === 0) failedTests.push(`${file}\n    ${firstLines(suite.message)}`);
    }
    if (report.numPendingTests > 0 || report.numTodoTests > 0) failures.push(`${project}: skipped tests`);
  } else {
    failed += 1;
  }
  if (!ok) failures.push(`tests: ${project}`);
}

if (failedTests.length) process.stdout.write(`\nfailed tests:\n${failedTests.map((line) => `  ${line}`).join('\n')}\n`);
process.stdout.write(`\n${failures.length ? `failed steps: ${failures.join(', ')}\n` : ''}`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failures.length === 0 && failed === 0 ? 0 : 1);
