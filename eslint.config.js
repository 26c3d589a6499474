// Lint rules for the whole workspace; the import-boundary rule keeps dependencies running services → libs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import msec from './tools/eslint/msec-boundaries.js';

const libs = ['contracts', 'persistence', 'infra', 'testing', 'platform', 'rpc', 'nlb', 'bus', 'sdk'];

/** Packages a program must not import, by where it lives (tests included): dependencies run towards the libs. */
const forbidden = {
  agent: ['@msec/service-*', '@msec/cli', '@msec/example-*'],
  cli: ['@msec/service-*', '@msec/agent', '@msec/example-*'],
  examples: ['@msec/service-*', '@msec/agent', '@msec/cli'],
};
/** The test kit (fixtures, clusters for fault tests) stays out of what runs in production; the launcher uses @msec/infra. */
const TEST_KIT = '@msec/testing';
const forbid = (group, message) => ({ 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] });

/** No lib may import a service, the agent, the CLI or an example; no service may import another service. */
const boundaryRules = (ownPackage, production) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['**/services/**', '@msec/service-*', '@msec/agent', '@msec/cli', '@msec/example-*'].filter((p) => p !== ownPackage), message: 'libs and services never import a service: talk over NATS or through a lib' },
        { group: ['../../libs/*/src/**', '../libs/*/src/**'], message: 'import a lib by its package name (@msec/<lib>), not by path' },
        ...(production && ownPackage !== TEST_KIT ? [{ group: [TEST_KIT], message: 'production code never loads the test kit: use @msec/infra' }] : []),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.msec/**', 'services/gateway/web/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'use a const object plus a same-named type, not enum' }],
    },
  },
  // Every package, tests and benchmarks included: a relative import never leaves its package.
  { files: ['**/*.ts', '**/*.tsx'], plugins: { msec }, rules: { 'msec/no-cross-package-relative': 'error' } },
  ...libs.map((lib) => ({ files: [`libs/${lib}/**/*.ts`], rules: boundaryRules(`@msec/${lib}`, false) })),
  ...libs.map((lib) => ({ files: [`libs/${lib}/src/**/*.ts`], rules: boundaryRules(`@msec/${lib}`, true) })),
  { files: ['agent/**/*.ts'], rules: forbid(forbidden.agent, 'the agent runs on every host alone: it talks to the console over NATS') },
  { files: ['agent/src/**/*.ts'], rules: forbid([...forbidden.agent, TEST_KIT], 'the agent runs on every host alone: it talks to the console over NATS and never loads the test kit') },
  { files: ['cli/**/*.ts'], rules: forbid(forbidden.cli, 'the CLI talks to the console through its REST API, and starts services as processes') },
  { files: ['cli/src/**/*.ts'], rules: forbid([...forbidden.cli, TEST_KIT], 'the CLI talks to the console through its REST API, starts servers with @msec/infra, and never loads the test kit') },
  { files: ['examples/**/*.ts'], rules: forbid(forbidden.examples, 'an example uses only what a user of the platform has: the SDK and the contracts') },
  {
    files: ['services/*/src/**/*.ts', 'services/*/test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@msec/service-*', '../../*/src/**', '@msec/agent', '@msec/cli'], message: 'a service never imports another service: talk over NATS' }] },
      ],
    },
  },
  {
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@msec/service-*', '../../*/src/**', '@msec/agent', '@msec/cli'], message: 'a service never imports another service: talk over NATS' },
            { group: [TEST_KIT], message: 'production code never loads the test kit' },
          ],
        },
      ],
    },
  },
);
