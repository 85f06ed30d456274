/**
 * The environment variables each deployable reads, from their declarations (libs/runtime's
 * config), so manifests and compose files that set a name no process reads (a typo, a renamed
 * variable) fail a test.
 */
import { providerSettings } from '@inbound/adapters';
import { deployableVariables, type Deployable, type EnvVariable } from '@inbound/runtime';
import { join } from 'node:path';

export type { Deployable };

export const WORKSPACE_ROOT = join(__dirname, '..', '..');

export const APPS = ['webhook-gateway', 'status-worker', 'inbound-worker', 'event-dispatcher'] as const satisfies readonly Deployable[];

const VARIABLES = deployableVariables(providerSettings());

export function variablesOf(deployable: Deployable): readonly EnvVariable[] {
  return VARIABLES[deployable];
}

export function envNamesOf(deployable: Deployable): Set<string> {
  return new Set(variablesOf(deployable).map((variable) => variable.name));
}
