// The built CLI (`npm run build` → out/cli/): bin/bilancio-sync.js runs it without tsx. Node 20 ESM, every
// dependency left to node_modules (as installed), the engine process as a second entry (OffloadedEngine
// forks out/cli/engineHost.js). Unminified: stack traces stay readable.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: resolve(import.meta.dirname, 'out/cli'),
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'src/cli/main.ts'),
        engineHost: resolve(import.meta.dirname, 'src/core/engineHost/engineHostMain.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
