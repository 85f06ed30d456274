import nx from '@nx/eslint-plugin';

// Import rules (docs/CONTRACTS.md, "Import rules"): apps use libs, never each other; adapters are pure
// functions (no Nest, no database, no broker) and see only the event types of messaging.
export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/coverage', 'tools/lint-fixtures/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:adapters', 'type:domain', 'type:messaging', 'type:runtime', 'type:testing'] },
            {
              sourceTag: 'type:adapters',
              onlyDependOnLibsWithTags: ['type:messaging'],
              bannedExternalImports: ['typeorm', 'pg', 'amqplib', 'amqp-connection-manager', '@nestjs/*', '@golevelup/*'],
            },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:testing'] },
            { sourceTag: 'type:messaging', onlyDependOnLibsWithTags: ['type:testing'] },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:domain', 'type:messaging', 'type:testing'] },
            { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:adapters', 'type:domain', 'type:messaging', 'type:runtime', 'type:testing'] },
            // Test support: databases, vhosts, processes. It must not reach into what it tests.
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
];
