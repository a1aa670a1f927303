import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The ui's pages run in the browser: plain scripts, no modules, no bundler.
    files: ['src/ui/static/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    // CommonJS (bin/, and *.cjs): off the ESM loader, on `run`'s start-up path.
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Commands talk to the terminal only through the io streams (architecture rule 3).
    files: ['src/**/*.ts'],
    ignores: ['src/cli/main.ts', 'src/io/iostreams.ts', 'src/**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
);
