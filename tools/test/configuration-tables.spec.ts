import { readFileSync } from 'node:fs';
import { CONFIGURATION_TABLES, CONTRACTS_PATH, documentedTable, renderedTables } from '../docs/configuration-tables';

/** docs/CONTRACTS.md lists each declared variable once, as declared; `npm run docs:configuration` rewrites the tables. */
describe('docs/CONTRACTS.md, "Configuration"', () => {
  const text = readFileSync(CONTRACTS_PATH, 'utf8');
  const tables = renderedTables();

  it.each(CONFIGURATION_TABLES.map(({ heading }) => heading))('%s has the table the declarations give', (heading) => {
    expect(documentedTable(text, heading)).toEqual(tables.get(heading));
  });
});
