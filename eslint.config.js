// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The door from the opaque Kafka handle to kafkajs (lib/kafka/native.ts) is for lib/kafka alone.
const NATIVE_KAFKA = {
  group: ['**/kafka/native', '**/kafka/native.ts', './native.ts'],
  message:
    'Only lib/kafka/ may use lib/kafka/native.ts: outside it a Kafka handle is opaque (use lib/kafka/admin.ts, raw.ts).',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.tws/**',
      '.scratch/**',
      'bench/_scratch/**',
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
          patterns: [NATIVE_KAFKA],
        },
      ],
    },
  },
  {
    files: ['lib/clickhouse/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kafkajs', message: 'Only lib/kafka/ may import kafkajs.' }], patterns: [NATIVE_KAFKA] },
      ],
    },
  },
  {
    files: ['lib/registry/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Only lib/kafka/ may import kafkajs.' },
            { name: 'chdb', message: 'Only lib/clickhouse/ may import chdb.' },
          ],
          patterns: [NATIVE_KAFKA],
        },
      ],
    },
  },
  {
    files: ['lib/kafka/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
