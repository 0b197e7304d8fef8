// Architecture walls for Bilancio Sync, checked by `npm run lint` (depcruise src --config .dependency-cruiser.cjs).
// Folder-level cycles inside src/core are checked by scripts/check-folder-cycles.mjs, which reuses `options`.

// An npm package as resolved (node_modules/electron/...) or, when it can't be resolved, as written.
const ELECTRON = '(^|/)node_modules/electron/|^electron(/|$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // 1. The engine is plain Node: every shell sits on top of it, never below.
    {
      name: 'core-stays-headless',
      comment:
        'src/core is the plain-Node engine shared by every shell, so it must not know Electron or any shell (main, preload, renderer, cli, server).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: [ELECTRON, '^src/(main|preload|renderer|cli|server)/'] },
    },

    // 2. The renderer is a browser page: it talks to the engine only through the shared contract.
    {
      name: 'renderer-only-shared-and-npm',
      comment:
        'The renderer runs in a sandboxed browser page and reaches the engine only through the typed contract in src/shared.',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: {
        pathNot: ['^src/(renderer|shared)/', '(^|/)node_modules/'],
        dependencyTypesNot: ['core'],
        couldNotResolve: false,
      },
    },
    {
      name: 'renderer-no-node-builtins',
      comment:
        'Node builtins do not exist in the sandboxed renderer page (and would not in browser mode either).',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-electron',
      comment:
        'The renderer gets Electron only through the preload bridge, so the same UI can run in a plain browser.',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: ELECTRON },
    },

    // 3. The shared contract is neutral ground: every side imports it, it imports none of them.
    {
      name: 'shared-imports-nothing-of-ours',
      comment:
        'src/shared is the contract every side imports (core, shells, renderer), so it may only use itself and npm packages such as zod.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: {
        pathNot: ['^src/shared/', '(^|/)node_modules/'],
        dependencyTypesNot: ['core'],
        couldNotResolve: false,
      },
    },
    {
      name: 'shared-no-node-builtins',
      comment: 'src/shared is bundled into the renderer too, where Node builtins do not exist.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-no-electron',
      comment: 'The contract must work for every shell (CLI, browser server), not only for Electron.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: ELECTRON },
    },

    // 4. The domain model sits below the rest of the engine.
    {
      name: 'model-is-neutral',
      comment:
        'src/core/model (types, errors, manifest format, keys) is what every engine folder builds on, so it must not import any of them back.',
      severity: 'error',
      from: { path: '^src/core/model/' },
      to: { path: '^src/core/', pathNot: '^src/core/model/' },
    },

    // 5. The preload is the one narrow bridge between the renderer and the main process.
    {
      name: 'preload-only-shared-and-electron',
      comment:
        'The sandboxed preload can only load electron and bundled code, and must stay a thin bridge over the src/shared contract.',
      severity: 'error',
      from: { path: '^src/preload/' },
      to: { pathNot: ['^src/(preload|shared)/', ELECTRON] },
    },

    // 6. No cycles (folder cycles within src/core: scripts/check-folder-cycles.mjs).
    {
      name: 'no-circular',
      comment:
        'Import cycles (type-only ones included) make load order fragile and the modules impossible to understand or move apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },

    // 7. Everything resolves, and nothing at run time needs a devDependency.
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve to a file or an installed package fails at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'devDependencies are absent from a production install, so src/ may use them only for types (the renderer is bundled, and electron is the Electron runtime itself).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/renderer/' },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only'],
        pathNot: ['(^|/)node_modules/@types/', ELECTRON],
      },
    },
    {
      name: 'electron-only-in-electron-shell',
      comment:
        'Only src/main and src/preload run inside Electron; the CLI and the browser-mode server run in plain Node without it.',
      severity: 'error',
      // core, renderer, shared and preload have their own, more specific rules above.
      from: { path: '^src/', pathNot: '^src/(main|preload|core|renderer|shared)/' },
      to: { path: ELECTRON },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // `import type` still couples modules and folders: see it, don't let tsc erase it first.
    tsPreCompilationDeps: true,
    // The combined project (tsconfig.node.json for core/cli/main/preload/shared, tsconfig.web.json for the
    // renderer). Neither uses `paths`; './foo.js' -> foo.ts is resolved by dependency-cruiser itself.
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
