// Lint rules for the whole workspace; the import-boundary rule keeps dependencies running services → libs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const libs = ['contracts', 'persistence', 'testing', 'platform', 'rpc', 'nlb', 'bus', 'sdk'];

/** No lib may import a service, the agent, the CLI or an example; no service may import another service. */
const boundaryRules = (ownPackage) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['**/services/**', '@msec/service-*', '@msec/agent', '@msec/cli', '@msec/example-*'].filter((p) => p !== ownPackage), message: 'libs and services never import a service: talk over NATS or through a lib' },
        { group: ['../../libs/*/src/**', '../libs/*/src/**'], message: 'import a lib by its package name (@msec/<lib>), not by path' },
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
  ...libs.map((lib) => ({ files: [`libs/${lib}/**/*.ts`], rules: boundaryRules(`@msec/${lib}`) })),
  {
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@msec/service-*', '../../*/src/**', '@msec/agent', '@msec/cli'], message: 'a service never imports another service: talk over NATS' }] },
      ],
    },
  },
);
