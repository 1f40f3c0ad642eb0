// Lint rules: typescript-eslint's recommended set with type information, plus the few
// house rules from style.md that a linter can check.
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.deploylite/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  // The dashboard: Vue's recommended rules (formatting ones off, as for the rest of the code),
  // with TypeScript inside <script setup lang="ts">.
  ...pluginVue.configs['flat/recommended'],
  pluginVue.configs['no-layout-rules'],
  {
    files: ['web/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      // Single-word page names read better as file names here (LoginPage.vue is multi-word already).
      'vue/multi-word-component-names': 'off',
      // TypeScript checks names (vue-tsc); ESLint's no-undef knows no DOM types.
      'no-undef': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.js', 'bin/*'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
