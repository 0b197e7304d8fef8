/**
 * The electron-builder configuration (electron-builder.yml), which can't run on these machines (it
 * downloads Electron's binary and fpm): loaded and validated by electron-builder's own code against its
 * own JSON schema; every file and folder it names exists; the deb has what it needs (maintainer,
 * homepage, desktop name); the tray icons shipped in extraResources exist in every variant; better-sqlite3
 * is rebuilt for Electron and unpacked from the asar; the fuses are set, RunAsNode consistently with how
 * src/ starts the engine process.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRAY_ICON_NAMES, trayIconFiles } from '../../src/main/tray/trayIcons.js';

const ROOT = process.cwd();
const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: electron-builder's Configuration, read as data
type Config = Record<string, any>;

let config: Config;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

beforeAll(async () => {
  const { getConfig } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Config>;
  };
  config = await getConfig(ROOT, null, null);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('electron-builder configuration', () => {
  it("is valid by electron-builder's own JSON schema (app-builder-lib/scheme.json)", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(c: Config, logger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    await expect(validateConfiguration(config, { isEnabled: false, add() {} })).resolves.toBeUndefined();
    // and the schema is the real one, refusing what it doesn't know
    await expect(
      validateConfiguration(
        { ...config, nsis: { ...config.nsis, oneClik: false } },
        { isEnabled: false, add() {} },
      ),
    ).rejects.toThrow(/configuration\.nsis/);
  });

  it('names the app, and npm run dist builds and packages it (then puts the Node build of better-sqlite3 back)', () => {
    expect(config.appId).toBe('org.bilancio.sync');
    expect(config.productName).toBe('Bilancio Sync');
    expect(pkg.scripts.dist).toBe('electron-vite build && electron-builder --publish never');
    expect(pkg.scripts.postdist).toBe('npm rebuild better-sqlite3');
    // pinned: npm here silently picks older versions otherwise (SPEC §5)
    expect(pkg.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
    expect(config.directories).toEqual({ output: 'dist', buildResources: 'build' });
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^dist\/$/m);
  });

  it('every icon it names exists, at the sizes the platforms want', () => {
    expect(statSync(join(ROOT, config.linux.icon)).isDirectory()).toBe(true);
    const linuxIcons = readdirSync(join(ROOT, config.linux.icon));
    for (const size of [16, 32, 48, 64, 128, 256, 512]) expect(linuxIcons).toContain(`${size}x${size}.png`);
    expect(existsSync(join(ROOT, config.mac.icon))).toBe(true);
    expect(existsSync(join(ROOT, config.win.icon))).toBe(true);
    // electron-builder's defaults from buildResources
    expect(existsSync(join(ROOT, 'build', 'icon.png'))).toBe(true);
  });

  it('ships the five tray icons in every variant (PNG 1×/2×, 22 px, macOS Template, .ico) as extraResources', () => {
    const extra = config.extraResources as Array<{ from: string; to: string; filter: string[] }>;
    const tray = extra.find((e) => e.to === 'tray');
    expect(tray?.from).toBe('resources/tray');
    for (const e of extra) expect(existsSync(join(ROOT, e.from)), e.from).toBe(true);
    const { minimatch } = require('minimatch') as { minimatch(p: string, g: string): boolean };
    const shipped = (file: string) => {
      const included = tray!.filter.filter((f) => !f.startsWith('!')).some((g) => minimatch(file, g));
      const excluded = tray!.filter.filter((f) => f.startsWith('!')).some((g) => minimatch(file, g.slice(1)));
      return included && !excluded;
    };
    for (const name of TRAY_ICON_NAMES) {
      for (const file of trayIconFiles(name)) {
        expect(existsSync(join(ROOT, 'resources', file)), file).toBe(true);
        expect(shipped(file.replace(/^tray\//, '')), file).toBe(true);
      }
    }
    expect(shipped('preview.png')).toBe(false);
  });

  it('Linux: AppImage + deb, with a maintainer, a homepage and the desktop file name kept in sync', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.author).toMatchObject({ email: expect.stringContaining('@') });
    expect(pkg.desktopName).toBe(`${config.linux.executableName}.desktop`);
    expect(config.linux.syncDesktopName).toBe(true);
    expect(config.linux.category).toBeTruthy();
    expect(config.deb.recommends).toContain('libayatana-appindicator3-1');
  });

  it('macOS: dmg with the hardened runtime; Windows: NSIS, per user, with a choice of folder', () => {
    expect(config.mac.target).toBe('dmg');
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.win.target).toBe('nsis');
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
    });
  });

  it('better-sqlite3 is rebuilt for Electron at packaging and unpacked from the asar', () => {
    expect(pkg.dependencies['better-sqlite3']).toBeDefined();
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).toBe(true);
    const { minimatch } = require('minimatch') as { minimatch(p: string, g: string): boolean };
    const unpacked = (p: string) => (config.asarUnpack as string[]).some((g) => minimatch(p, g));
    expect(unpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
    // getConfig normalises `files` to file sets
    expect(JSON.stringify(config.files)).toContain('"out/**/*"');
  });

  it('sets the Electron fuses; RunAsNode stays on exactly while src/ starts a child with ELECTRON_RUN_AS_NODE', () => {
    const fuses = config.electronFuses as Record<string, boolean>;
    expect(fuses).toMatchObject({
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    const usesRunAsNode = filesUnder(join(ROOT, 'src'))
      .filter((f) => /\.(ts|tsx|mjs|js)$/.test(f))
      .some((f) => /ELECTRON_RUN_AS_NODE:\s*['"]1['"]/.test(readFileSync(f, 'utf8')));
    // The engine process (src/core/engineHost/OffloadedEngine.ts) is the Electron binary run as Node: with
    // the fuse off it would start a second app instead. Once nothing relies on it, turn the fuse off.
    expect(fuses.runAsNode).toBe(usesRunAsNode);
  });
});
