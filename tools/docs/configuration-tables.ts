/**
 * The variable tables of docs/CONTRACTS.md, "Configuration", rendered from the declarations
 * (libs/runtime's config). `npm run docs:configuration` rewrites them in place;
 * tools/test/configuration-tables.spec.ts fails while the document differs.
 */
import type { EnvVariable } from '@inbound/runtime';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, variablesOf, WORKSPACE_ROOT } from '../deploy/app-env';

export const CONTRACTS_PATH = join(WORKSPACE_ROOT, 'docs/CONTRACTS.md');

type App = (typeof APPS)[number];

/** Each table lists the variables that exactly these apps read. */
export const CONFIGURATION_TABLES: ReadonlyArray<{ heading: string; readers: readonly App[] }> = [
  { heading: '### Every process (`readCommonConfig`)', readers: APPS },
  { heading: '### webhook-gateway', readers: ['webhook-gateway'] },
  { heading: '### webhook-gateway and event-dispatcher', readers: ['webhook-gateway', 'event-dispatcher'] },
  {
    heading: '### status-worker, inbound-worker and event-dispatcher (`readWorkerConfig`)',
    readers: ['status-worker', 'inbound-worker', 'event-dispatcher'],
  },
  { heading: '### inbound-worker only', readers: ['inbound-worker'] },
  { heading: '### event-dispatcher only', readers: ['event-dispatcher'] },
];

const code = (text: string) => `\`${text}\``;

function defaultText(variable: EnvVariable): string {
  if (variable.default === undefined) return 'unset';
  return variable.kind === 'integer' ? String(variable.default) : code(String(variable.default));
}

function acceptedText(variable: EnvVariable): string {
  const parts: string[] = [];
  switch (variable.kind) {
    case 'integer':
      parts.push(`${variable.min}–${variable.max}`);
      break;
    case 'boolean':
      parts.push(`${code('true')} or ${code('false')}`);
      break;
    case 'choice':
      parts.push(variable.allowed.map(code).join(', '));
      break;
    case 'url':
      parts.push(`URL, scheme ${variable.schemes.map(code).join(' or ')}`);
      if (variable.dropTrailingSlash) parts.push(`trailing ${code('/')} dropped`);
      break;
    case 'text':
      if (variable.minLength !== undefined) parts.push(`at least ${variable.minLength} characters`);
      break;
  }
  if (variable.constraint !== undefined) parts.push(variable.constraint);
  return parts.length === 0 ? 'any text' : parts.join('; ');
}

/** One row per variable; a default that differs between the readers is given for each. */
function row(declarations: ReadonlyArray<{ app: App; variable: EnvVariable }>): string {
  const [{ variable }] = declarations;
  const defaults = declarations.map((declaration) => ({ app: declaration.app, text: defaultText(declaration.variable) }));
  const sameDefault = defaults.every(({ text }) => text === defaults[0].text);
  const defaultCell = sameDefault ? defaults[0].text : defaults.map(({ app, text }) => `${text} (${app})`).join(', ');
  return `| ${code(variable.name)} | ${defaultCell} | ${acceptedText(variable)} | ${variable.meaning} |`;
}

/** Each table's lines, in CONFIGURATION_TABLES order; throws while a variable has no table. */
export function renderedTables(): Map<string, string[]> {
  const byName = new Map<string, Array<{ app: App; variable: EnvVariable }>>();
  for (const app of APPS) {
    for (const variable of variablesOf(app)) byName.set(variable.name, [...(byName.get(variable.name) ?? []), { app, variable }]);
  }
  const tables = new Map<string, string[]>();
  for (const [name, declarations] of byName) {
    const readers = declarations.map(({ app }) => app).join(', ');
    const table = CONFIGURATION_TABLES.find((candidate) => candidate.readers.join(', ') === readers);
    if (!table) throw new Error(`${name} is read by ${readers}, which no table of ${CONTRACTS_PATH} lists`);
    tables.set(table.heading, [...(tables.get(table.heading) ?? []), row(declarations)]);
  }
  return new Map(
    CONFIGURATION_TABLES.map(({ heading }) => [
      heading,
      ['| variable | default | accepted | meaning |', '|---|---|---|---|', ...(tables.get(heading) ?? [])],
    ]),
  );
}

/** Where the table under `heading` is: its first line and the line after its last. */
function tableSpan(lines: readonly string[], heading: string): { start: number; end: number } {
  const at = lines.indexOf(heading);
  if (at < 0 || lines.indexOf(heading, at + 1) >= 0) throw new Error(`expected the heading "${heading}" once in ${CONTRACTS_PATH}`);
  let start = at + 1;
  while (start < lines.length && lines[start].trim() === '') start += 1;
  if (!lines[start]?.startsWith('|')) throw new Error(`expected a table under "${heading}" in ${CONTRACTS_PATH}`);
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end += 1;
  return { start, end };
}

/** The table under `heading` in the document's text. */
export function documentedTable(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const { start, end } = tableSpan(lines, heading);
  return lines.slice(start, end);
}

/** The document's text with every table replaced by its rendering. */
export function withRenderedTables(text: string): string {
  const lines = text.split('\n');
  for (const [heading, table] of renderedTables()) {
    const { start, end } = tableSpan(lines, heading);
    lines.splice(start, end - start, ...table);
  }
  return lines.join('\n');
}

if (require.main === module) {
  writeFileSync(CONTRACTS_PATH, withRenderedTables(readFileSync(CONTRACTS_PATH, 'utf8')));
}
