// The built CLI (`npm run build` → out/cli/): bin/bilancio-sync.js runs it without tsx. Node 20 ESM, the
// engine process as a second entry (OffloadedEngine forks out/cli/engineHost.js), a restore's extraction
// worker as a third (extractInWorker starts out/cli/extractWorker.js) and a sync's walk of its folder as a
// fourth (prefetchSweepTree starts out/cli/sweepTreeWorker.js). Unminified: stack traces
// stay readable.
//
// Start-up is most of a short command's time, so:
// - The pure-JS packages every command loads are bundled in (START_UP_PACKAGES): zod alone is ~100 files,
//   and resolving, reading and compiling each of them cost more than parsing the few kB of it the CLI uses
//   (rollup keeps only those). Every other dependency stays in node_modules, as installed: native addons
//   (better-sqlite3, the keychain), and the big ones only some commands load, through import() (the AWS
//   SDK, pg, supabase-js, fastify, chokidar, tar, archiver), which then become chunks of their own.
// - Few chunks, each read once: a command loads main.js, then the program (commander and the commands),
//   then the service — and every further file is one more read. So the engine, the service and the local
//   backends are one `core` chunk; zod one chunk; the few modules the program and the core share (errors,
//   the settings table, exit codes) `cli-base`; the version its own (all `--version` loads). The AWS SDK
//   store, the PostgreSQL and Supabase catalogs and the browser-mode server stay chunks loaded on use.
// - The CommonJS packages a command loads from node_modules (REQUIRED_PACKAGES) are loaded with require(),
//   not import: Node imports a CommonJS module through its ESM loader, which first scans the module's
//   source for its export names (cjs-module-lexer). Measured in a fresh `node` on a busy machine: the AWS
//   SDK's client 104-152 ms imported against 68-85 ms required, pg 62-80 against 39-45 ms; a no-op
//   re-sync to s3rver + PostgreSQL 0.70 -> 0.58 s. requiredNotImported rewrites those import lines.
// - out/cli/sources.json lists the source files the build was made of: the bin compares their mtimes with
//   the build's (a stale build runs the source instead) without walking all of src/.
import { relative, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const ROOT = import.meta.dirname;

/** Pure JS, loaded by every command (or by most): bundled. */
const START_UP_PACKAGES = ['zod', 'commander', 'dotenv', 'env-paths', 'csv-parse'];

/** CommonJS packages in node_modules: required, not imported (see above). */
const REQUIRED_PACKAGES = ['@aws-sdk/client-s3', 'pg', 'better-sqlite3'];

/**
 * Rewrites each `import X from "pkg"` and `import { a, b as c } from "pkg"` of a REQUIRED_PACKAGES
 * package in the built chunks into the same bindings from `require("pkg")` — what Node's import gives
 * for a CommonJS module: its module.exports as the default, its properties as the names. Any other form
 * of import of such a package fails the build rather than staying an import.
 */
function requiredNotImported(): Plugin {
  const quoted = REQUIRED_PACKAGES.map((p) => p.replace(/[/.-]/g, (c) => `\\${c}`)).join('|');
  const line = new RegExp(`^import (?:(\\w+)|\\{([^}]*)\\}) from "(${quoted})";$`, 'gm');
  const anyImport = new RegExp(`^import .* from "(${quoted})";$`, 'm');
  return {
    name: 'bilancio-required-not-imported',
    renderChunk(code, chunk) {
      let found = false;
      const out = code.replace(
        line,
        (_all, defaultName: string | undefined, names: string | undefined, pkg) => {
          found = true;
          if (defaultName) return `const ${defaultName} = __requireCjs(${JSON.stringify(pkg)});`;
          const bindings = names!
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean)
            .map((n) => n.replace(/^(\S+) as (\S+)$/, '$1: $2'));
          return `const { ${bindings.join(', ')} } = __requireCjs(${JSON.stringify(pkg)});`;
        },
      );
      const left = anyImport.exec(out);
      if (left)
        throw new Error(`${chunk.fileName}: an import of ${left[1]} this build can't turn into require()`);
      if (!found) return null;
      const header =
        'import { createRequire as __createRequire } from "node:module";\nconst __requireCjs = __createRequire(import.meta.url);\n';
      return { code: header + out, map: null };
    },
  };
}

/** Chunk groups, by module path (the first match in priority order wins). */
const CHUNKS = [
  { name: 'version', test: /\/src\/core\/engine\/version\.ts$|\/package\.json$/, priority: 4 },
  {
    name: 'cli-base',
    test: /\/src\/(shared\/constants|core\/model\/errors|core\/config\/settingsRegistry|core\/watch\/pause)\.ts$/,
    priority: 3,
  },
  { name: 'zod', test: /\/node_modules\/zod\//, priority: 2 },
  // What a restore's extraction worker loads (out/cli/extractWorker.js): on its own, so that each worker
  // compiles these few modules rather than the whole engine of the core chunk. The modules the core
  // uses too in one chunk; the tar reader (and tar's header decoders, which it imports) in another
  // that only the worker loads, so that no other command loads tar.
  {
    name: 'extract',
    test: /\/src\/core\/(archive\/(StagingFiles|PostedSmallFiles|extractWorkerProtocol|memberPath)|model\/osErrors)\.ts$/,
    priority: 2,
  },
  {
    name: 'tar-reader',
    test: /\/src\/core\/archive\/(ArchiveExtractor|TarSplitter|plainTarHeader)\.ts$/,
    priority: 2,
  },
  // The walk a sync prefetches on a worker (src/core/sweep/prefetchSweepTree.ts): on its own, so that the
  // worker loads the walk and nothing of the engine.
  // The CLI's entry starts that walk before it loads the program: prefetchSweepTree is in the chunk too.
  {
    name: 'sweep-tree',
    test: /\/src\/core\/(sweep\/(sweepTree|sweepTreeWire|prefetchSweepTree)|async\/builtWorker)\.ts$/,
    priority: 2,
  },
  {
    // Not the entries of the engine process and the workers: merged into this chunk, their
    // top-level code (listeners on the process, on the parent port) would run in every command.
    name: 'core',
    test: /\/src\/(shared|core\/(?!stores\/(S3|s3|Postgres|pg|Supabase|supabase)|engineHost\/engineHostMain\.ts|archive\/extractWorkerMain\.ts|sweep\/sweepTreeWorkerMain\.ts))[^?]*$/,
    priority: 1,
  },
];

/** Writes sources.json: the repository-relative paths of the modules of this build outside node_modules. */
function listSources(): Plugin {
  return {
    name: 'bilancio-list-sources',
    generateBundle() {
      const sources = [...this.getModuleIds()]
        .filter((id) => !id.startsWith('\0') && !id.includes('/node_modules/') && id.startsWith(ROOT))
        .map((id) => relative(ROOT, id.replace(/\?.*$/, '')))
        .sort();
      this.emitFile({
        type: 'asset',
        fileName: 'sources.json',
        source: `${JSON.stringify([...new Set(sources)], null, 1)}\n`,
      });
    },
  };
}

export default defineConfig({
  plugins: [listSources(), requiredNotImported()],
  ssr: { noExternal: START_UP_PACKAGES },
  build: {
    ssr: true,
    target: 'node20',
    outDir: resolve(ROOT, 'out/cli'),
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      input: {
        main: resolve(ROOT, 'src/cli/main.ts'),
        engineHost: resolve(ROOT, 'src/core/engineHost/engineHostMain.ts'),
        // A restore's archive extraction thread (src/core/archive/extractInWorker.ts).
        extractWorker: resolve(ROOT, 'src/core/archive/extractWorkerMain.ts'),
        // The walk of a sweep folder a sync starts while its engine loads (src/core/sweep/prefetchSweepTree.ts).
        sweepTreeWorker: resolve(ROOT, 'src/core/sweep/sweepTreeWorkerMain.ts'),
      },
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        codeSplitting: { groups: CHUNKS },
      },
    },
  },
});
