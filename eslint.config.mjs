import nx from '@nx/eslint-plugin';

// Import rules (docs/CONTRACTS.md, "Import rules"): apps use libs, never each other; contracts depend on
// nothing; adapters are pure functions (no Nest, no database, no broker) over the contracts; webhook
// delivery (addresses, signing, sending, schedule) runs on node built-ins so any app can use it.
// What framework-free libraries (contracts, webhook delivery) may not import.
const FRAMEWORKS = [
  '@nestjs/*',
  '@golevelup/*',
  'amqplib',
  'amqp-connection-manager',
  'typeorm',
  'pg',
  'class-validator',
  'class-transformer',
  'axios',
];
const OUR_LIBRARIES = ['type:contracts', 'type:adapters', 'type:domain', 'type:messaging', 'type:runtime', 'type:delivery', 'type:testing'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/coverage', 'tools/lint-fixtures/**'] },
  {
    files: ['**/*.ts'],
    // With decorator metadata, a class imported for a constructor parameter is a runtime value
    // (Nest injects by it); telling the parser so keeps consistent-type-imports off those imports.
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: OUR_LIBRARIES,
            },
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: FRAMEWORKS,
            },
            {
              sourceTag: 'type:adapters',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: [
                'typeorm',
                'pg',
                'amqplib',
                'amqp-connection-manager',
                '@nestjs/*',
                '@golevelup/*',
                'class-validator',
                'class-transformer',
              ],
            },
            {
              sourceTag: 'type:delivery',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: FRAMEWORKS,
            },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] },
            { sourceTag: 'type:messaging', onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:messaging', 'type:testing'] },
            {
              sourceTag: 'type:tools',
              onlyDependOnLibsWithTags: OUR_LIBRARIES,
            },
            // Test support: databases, vhosts, processes. It must not reach into what it tests.
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
];
