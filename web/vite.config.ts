// Builds the dashboard (web/) into dist/web, which `deploylite server` serves at `/`.
// scripts/build.mjs runs this as part of `npm run build` (and so of `npm install`).
// `npx vite web` serves it for development, sending /api (and the log WebSocket) to a
// server on the default port.
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [vue(), tailwindcss()],
  define: {
    // Only the Composition API is used: leaving the Options API out makes the bundle smaller.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The page's CSP allows no data: URLs, so nothing may be inlined as one.
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:7391', ws: true } } },
});
