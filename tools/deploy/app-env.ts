/**
 * The environment variables each deployable reads, taken from its source, so manifests and
 * compose files that set a name no process reads (a typo, a renamed variable) fail a test.
 *
 * A name counts when the source reads it through the EnvReader (`env.integer('PORT', …)`)
 * or process.env, or, for the gateway, when a provider definition names it. The workers read libs/runtime's worker config on top of the common one.
 */
import { providerApiSettings, webhookBodyLimitSettings } from '@inbound/adapters';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const WORKSPACE_ROOT = join(__dirname, '..', '..');

export const APPS = ['webhook-gateway', 'status-worker', 'inbound-worker'] as const;
export type Deployable = (typeof APPS)[number] | 'migrate';

const ENV_READER_CALL = /\benv\.(?:integer|string|url|boolean|oneOf|optionalString|optionalUrl|raw)\(\s*'([A-Z][A-Z0-9_]*)'/g;
const PROCESS_ENV = /\bprocess\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*'([A-Z][A-Z0-9_]*)'\s*\])/g;
const WORKER_CONFIG = 'libs/runtime/src/lib/config/worker-config.ts';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(path) ? [path] : [];
  });
}

/** Variable names read in the given files. */
export function envNamesIn(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(ENV_READER_CALL)) names.add(match[1]);
    for (const match of text.matchAll(PROCESS_ENV)) names.add(match[1] ?? match[2]);
  }
  return names;
}

/** The files whose env reads configure the deployable. */
export function configSources(deployable: Deployable): string[] {
  if (deployable === 'migrate') return [join(WORKSPACE_ROOT, 'tools/db/migrate.ts')];
  const appFiles = sourceFiles(join(WORKSPACE_ROOT, 'apps', deployable, 'src'));
  const isWorker = appFiles.some((file) => /\b(readWorkerConfig|readInboundWorkerConfig)\(/.test(readFileSync(file, 'utf8')));
  const runtimeFiles = sourceFiles(join(WORKSPACE_ROOT, 'libs/runtime/src')).filter(
    (file) => isWorker || relative(WORKSPACE_ROOT, file).replace(/\\/g, '/') !== WORKER_CONFIG,
  );
  return [...appFiles, ...runtimeFiles];
}

/** Variables the gateway reads by name from the provider definitions (API origins, body limits). */
function providerSettingNames(): string[] {
  return [...providerApiSettings().map((setting) => setting.baseUrlVariable), ...webhookBodyLimitSettings().map((limit) => limit.variable)];
}

export function envNamesOf(deployable: Deployable): Set<string> {
  const names = envNamesIn(configSources(deployable));
  if (deployable === 'webhook-gateway') for (const name of providerSettingNames()) names.add(name);
  return names;
}
