/**
 * The committed icons (rendered from resources/src/*.svg by scripts/render-icons.mjs): every tray state in
 * every variant at its size; the macOS Template images black + alpha only; the five states told apart by
 * shape alone (their alpha masks differ), not only by colour; the .ico and .icns containers well formed;
 * the app icon at every size Linux, Windows and macOS take.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRAY_ICON_NAMES, trayIconFiles } from '../../../src/main/tray/trayIcons.js';
import { readIcns, readIco, readPng } from './png.js';

const RESOURCES = join(process.cwd(), 'resources');
const BUILD = join(process.cwd(), 'build');
const png = (path: string) => readPng(readFileSync(path));

const EXPECTED: Array<[suffix: string, size: number]> = [
  ['.png', 16],
  ['@2x.png', 32],
  ['-22.png', 22],
  ['-22@2x.png', 44],
  ['Template.png', 16],
  ['Template@2x.png', 32],
];

describe('tray icons', () => {
  it('five states, each in every variant the platforms take, at its size', () => {
    expect(TRAY_ICON_NAMES).toEqual([
      'tray-up-to-date',
      'tray-syncing',
      'tray-paused',
      'tray-attention',
      'tray-offline',
    ]);
    for (const name of TRAY_ICON_NAMES) {
      for (const file of trayIconFiles(name)) expect(existsSync(join(RESOURCES, file)), file).toBe(true);
      for (const [suffix, size] of EXPECTED) {
        const p = png(join(RESOURCES, 'tray', `${name}${suffix}`));
        expect([p.width, p.height, p.colorType], `${name}${suffix}`).toEqual([size, size, 6]);
      }
    }
  });

  it('macOS Template images are black + alpha only, and not empty', () => {
    for (const name of TRAY_ICON_NAMES) {
      for (const suffix of ['Template.png', 'Template@2x.png']) {
        const { pixels } = png(join(RESOURCES, 'tray', `${name}${suffix}`));
        let opaque = 0;
        for (let i = 0; i < pixels!.length; i += 4) {
          if (pixels![i + 3]! === 0) continue;
          expect([pixels![i], pixels![i + 1], pixels![i + 2]], `${name}${suffix}`).toEqual([0, 0, 0]);
          if (pixels![i + 3]! > 128) opaque++;
        }
        expect(opaque, `${name}${suffix}`).toBeGreaterThan(pixels!.length / 4 / 8);
      }
    }
  });

  it('the states differ in shape, not only in colour (their alpha masks differ in ≥ 12 pixels at 16 px)', () => {
    // 12 of 256 pixels is a glyph's worth at 16 px (a check against an arrow differs in 16); the preview
    // sheet resources/tray/preview.png shows them side by side, in colour and as Template images.
    for (const suffix of ['Template.png', 'Template@2x.png']) {
      const masks = TRAY_ICON_NAMES.map((name) => {
        const { pixels } = png(join(RESOURCES, 'tray', `${name}${suffix}`));
        return Array.from({ length: pixels!.length / 4 }, (_, i) => pixels![i * 4 + 3]! > 128);
      });
      const scale = suffix === 'Template.png' ? 1 : 4;
      for (let a = 0; a < masks.length; a++) {
        for (let b = a + 1; b < masks.length; b++) {
          const differing = masks[a]!.filter((v, i) => v !== masks[b]![i]).length;
          expect(
            differing,
            `${TRAY_ICON_NAMES[a]} vs ${TRAY_ICON_NAMES[b]} (${suffix})`,
          ).toBeGreaterThanOrEqual(12 * scale);
        }
      }
    }
  });

  it('each Windows .ico holds 16–48 px PNGs', () => {
    for (const name of TRAY_ICON_NAMES) {
      const entries = readIco(readFileSync(join(RESOURCES, 'tray', `${name}.ico`)));
      expect(entries.map((e) => e.width)).toEqual([16, 20, 24, 32, 40, 48]);
      for (const e of entries) {
        const p = readPng(e.png);
        expect([p.width, p.height]).toEqual([e.width, e.height]);
      }
    }
  });

  it('the colour variants carry the state colour (not black)', () => {
    const { pixels } = png(join(RESOURCES, 'tray', 'tray-attention@2x.png'));
    let reddish = 0;
    for (let i = 0; i < pixels!.length; i += 4) {
      if (pixels![i + 3]! > 200 && pixels![i]! > 150 && pixels![i + 2]! < 100) reddish++;
    }
    expect(reddish).toBeGreaterThan(50);
  });

  it('are drawn from committed SVG sources', () => {
    for (const name of TRAY_ICON_NAMES) expect(existsSync(join(RESOURCES, 'src', `${name}.svg`))).toBe(true);
    expect(existsSync(join(RESOURCES, 'src', 'app-icon.svg'))).toBe(true);
    expect(existsSync(join(process.cwd(), 'scripts', 'render-icons.mjs'))).toBe(true);
  });
});

describe('app icon', () => {
  it('build/icon.png is 1024 px; build/icons has NxN.png for Linux', () => {
    expect([png(join(BUILD, 'icon.png')).width, png(join(BUILD, 'icon.png')).height]).toEqual([1024, 1024]);
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const p = png(join(BUILD, 'icons', `${size}x${size}.png`));
      expect([p.width, p.height]).toEqual([size, size]);
    }
  });

  it('build/icon.ico holds 16–256 px (NSIS and the Windows shell want 256)', () => {
    const entries = readIco(readFileSync(join(BUILD, 'icon.ico')));
    expect(entries.map((e) => e.width)).toEqual([16, 24, 32, 48, 64, 128, 256]);
    for (const e of entries) expect(readPng(e.png).width).toBe(e.width);
  });

  it('build/icon.icns holds every macOS size as PNG', () => {
    const entries = readIcns(readFileSync(join(BUILD, 'icon.icns')));
    const sizes = Object.fromEntries(entries.map((e) => [e.type, readPng(e.png).width]));
    expect(sizes).toEqual({
      icp4: 16,
      icp5: 32,
      icp6: 64,
      ic07: 128,
      ic08: 256,
      ic09: 512,
      ic10: 1024,
      ic11: 32,
      ic12: 64,
      ic13: 256,
      ic14: 512,
    });
  });
});
