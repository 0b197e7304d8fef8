// The architecture walls of `npm run lint` (.dependency-cruiser.cjs + scripts/check-folder-cycles.mjs), tried
// on throwaway copies of the project: one untouched, one with a deliberately bad import for every rule.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROJECT = resolve(import.meta.dirname, '../..');
const COPIED = [
  'src',
  '.dependency-cruiser.cjs',
  'tsconfig.json',
  'tsconfig.node.json',
  'tsconfig.web.json',
  'package.json',
  'scripts/check-folder-cycles.mjs',
];
const DEPCRUISE = join(PROJECT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/** New files for the bad copy, each breaking one wall (plus a few harmless targets and allowed imports). */
const BAD_FILES: Record<string, string> = {
  // targets the bad imports point at, so the test doesn't depend on what else src/ holds right now
  'src/core/zzTarget.ts': 'export const target = 1;\n',
  'src/core/journal/zzTarget.ts': 'export const journalTarget = 1;\n',
  'src/cli/zzTarget.ts': 'export const cliTarget = 1;\n',
  // 1. core
  'src/core/zzElectron.ts': "import { app } from 'electron';\nexport const a = app;\n",
  'src/core/zzElectronType.ts': "import type { App } from 'electron';\nexport type A = App;\n",
  'src/core/zzShell.ts': "import { cliTarget } from '../cli/zzTarget.js';\nexport const c = cliTarget;\n",
  // 2. renderer
  'src/renderer/src/zzNode.tsx':
    "import { readFile } from 'node:fs';\nexport const R = (): null => (readFile ? null : null);\n",
  'src/renderer/src/zzBareFs.ts': "import fs from 'fs';\nexport const f = fs;\n",
  'src/renderer/src/zzCore.ts':
    "import { target } from '../../core/zzTarget.js';\nexport const t = target;\n",
  'src/renderer/src/zzElectron.ts':
    "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n",
  // 3. shared
  'src/shared/zzCore.ts': "import { target } from '../core/zzTarget.js';\nexport const t = target;\n",
  'src/shared/zzNode.ts': "import { createHash } from 'node:crypto';\nexport const h = createHash;\n",
  'src/shared/zzElectron.ts': "import type { IpcMain } from 'electron';\nexport type I = IpcMain;\n",
  // 4. model
  'src/core/model/zzJournal.ts':
    "import { journalTarget } from '../journal/zzTarget.js';\nexport const j = journalTarget;\n",
  // 5. preload
  'src/preload/zzNode.ts': "import { join } from 'node:path';\nexport const j = join;\n",
  'src/preload/zzCore.ts': "import { target } from '../core/zzTarget.js';\nexport const t = target;\n",
  // 6. cycles: two modules; and two folders joined only by type imports (no module cycle)
  'src/core/zzCycleA.ts': "import { b } from './zzCycleB.js';\nexport const a = () => b;\n",
  'src/core/zzCycleB.ts': "import { a } from './zzCycleA.js';\nexport const b = () => a;\n",
  'src/core/zzfolderone/usesTwo.ts':
    "import type { Two } from '../zzfoldertwo/two.js';\nexport type UsesTwo = Two[];\n",
  'src/core/zzfolderone/one.ts': 'export type One = { one: 1 };\n',
  'src/core/zzfoldertwo/usesOne.ts':
    "import type { One } from '../zzfolderone/one.js';\nexport type UsesOne = One[];\n",
  'src/core/zzfoldertwo/two.ts': 'export type Two = { two: 2 };\n',
  // 7. unresolvable, devDependencies, electron outside the Electron shell
  'src/core/zzUnresolvable.ts': "import { nothing } from './zzDoesNotExist.js';\nexport const n = nothing;\n",
  'src/cli/zzDevDep.ts': "import { describe } from 'vitest';\nexport const d = describe;\n",
  'src/cli/zzDevDepTypeOnly.ts': "import type { Mock } from 'vitest';\nexport type M = Mock;\n",
  'src/cli/zzElectron.ts': "import { app } from 'electron';\nexport const a = app;\n",
};

interface Run {
  code: number | null;
  output: string;
}

function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

/** The two checks `npm run lint` runs after biome, in a copy of the project. */
async function check(cwd: string): Promise<{ depcruise: Run; folders: Run }> {
  const [depcruise, folders] = await Promise.all([
    run([DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs'], cwd),
    run(['scripts/check-folder-cycles.mjs'], cwd),
  ]);
  return { depcruise, folders };
}

function copyProject(extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bsync-layering-'));
  for (const path of COPIED) cpSync(join(PROJECT, path), join(dir, path), { recursive: true });
  symlinkSync(join(PROJECT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Whether the depcruise `err` report has `error <rule>: <from> → …`. */
const reports = (output: string, rule: string, from: string) =>
  new RegExp(`^\\s*error ${escapeRegExp(rule)}: ${escapeRegExp(from)} →`, 'm').test(output);

describe('architecture walls (npm run lint)', () => {
  const dirs: string[] = [];
  let clean: Promise<{ depcruise: Run; folders: Run }>;
  let bad: { depcruise: Run; folders: Run };

  beforeAll(async () => {
    const cleanDir = copyProject({});
    const badDir = copyProject(BAD_FILES);
    dirs.push(cleanDir, badDir);
    clean = check(cleanDir);
    clean.catch(() => {}); // awaited in its own test
    bad = await check(badDir);
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const cases: [rule: string, from: string][] = [
    ['core-stays-headless', 'src/core/zzElectron.ts'],
    ['core-stays-headless', 'src/core/zzElectronType.ts'],
    ['core-stays-headless', 'src/core/zzShell.ts'],
    ['renderer-no-node-builtins', 'src/renderer/src/zzNode.tsx'],
    ['renderer-no-node-builtins', 'src/renderer/src/zzBareFs.ts'],
    ['renderer-only-shared-and-npm', 'src/renderer/src/zzCore.ts'],
    ['renderer-no-electron', 'src/renderer/src/zzElectron.ts'],
    ['shared-imports-nothing-of-ours', 'src/shared/zzCore.ts'],
    ['shared-no-node-builtins', 'src/shared/zzNode.ts'],
    ['shared-no-electron', 'src/shared/zzElectron.ts'],
    ['model-is-neutral', 'src/core/model/zzJournal.ts'],
    ['preload-only-shared-and-electron', 'src/preload/zzNode.ts'],
    ['preload-only-shared-and-electron', 'src/preload/zzCore.ts'],
    ['no-circular', 'src/core/zzCycleA.ts'],
    ['not-to-unresolvable', 'src/core/zzUnresolvable.ts'],
    ['not-to-dev-dep', 'src/cli/zzDevDep.ts'],
    ['electron-only-in-electron-shell', 'src/cli/zzElectron.ts'],
  ];
  it.each(cases)('depcruise reports %s in %s', (rule, from) => {
    expect(bad.depcruise.code, bad.depcruise.output).not.toBe(0);
    expect(reports(bad.depcruise.output, rule, from), bad.depcruise.output).toBe(true);
  });

  it('reports nothing about the allowed imports (type-only devDependency, electron in main/preload, react)', () => {
    const flagged = (file: string) =>
      new RegExp(`error [\\w-]+: ${escapeRegExp(file)} →`).test(bad.depcruise.output);
    expect(flagged('src/cli/zzDevDepTypeOnly.ts')).toBe(false);
    expect(flagged('src/main/index.ts')).toBe(false);
    expect(flagged('src/preload/index.ts')).toBe(false);
    expect(flagged('src/renderer/src/main.tsx')).toBe(false);
    expect(flagged('src/core/zzTarget.ts')).toBe(false);
  });

  it('the folder check reports a cycle of type-only imports between two src/core folders, with its edges', () => {
    const { code, output } = bad.folders;
    expect(code, output).toBe(1);
    expect(output).toMatch(
      /error folder-cycle: src\/core\/zzfolderone → src\/core\/zzfoldertwo → src\/core\/zzfolderone/,
    );
    expect(output).toContain('src/core/zzfolderone/usesTwo.ts → src/core/zzfoldertwo/two.ts (type-only)');
    expect(output).toContain('src/core/zzfoldertwo/usesOne.ts → src/core/zzfolderone/one.ts (type-only)');
  });

  // Fails while src/core still has folder cycles (being untangled into src/core/model); must pass after.
  it('passes on the untouched tree', async () => {
    const { depcruise, folders } = await clean;
    expect(depcruise.code, depcruise.output).toBe(0);
    expect(folders.code, folders.output).toBe(0);
  });
});
