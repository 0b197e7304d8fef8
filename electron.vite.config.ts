import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The AppService's own process (an Electron utilityProcess: src/main/service/spawnUtility.ts).
          serviceProcess: resolve(__dirname, 'src/main/serviceProcess.ts'),
          // The engine's own process (src/core/engineHost/OffloadedEngine.ts forks out/main/engineHost.js).
          engineHost: resolve(__dirname, 'src/core/engineHost/engineHostMain.ts'),
          // A restore's archive extraction thread (src/core/archive/extractInWorker.ts).
          extractWorker: resolve(__dirname, 'src/core/archive/extractWorkerMain.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      // Sandboxed preloads must be CommonJS.
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } },
    plugins: [react()],
  },
});
