// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.tws/**',
      '.scratch/**',
      'bench/results/**',
      'test-artifacts/**',
      'api/dashboard/vendor/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'chdb', message: 'Only lib/clickhouse/ may import chdb.' },
            { name: 'chdb/connection', message: 'Only lib/clickhouse/ may import chdb.' },
            { name: 'kafkajs', message: 'Only lib/kafka/ may import kafkajs.' },
            {
              name: '@clickhouse/client',
              message: 'Only lib/clickhouse/ may import @clickhouse/client (its types included: use QuerySettings).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/clickhouse/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kafkajs', message: 'Only lib/kafka/ may import kafkajs.' }] },
      ],
    },
  },
  {
    files: ['lib/kafka/**', 'lib/registry/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
