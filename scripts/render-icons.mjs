#!/usr/bin/env node
// Renders the tray icons and the app icon from their SVG sources (resources/src/) with Chromium, and writes
// the .ico and .icns containers by hand (an .ico is a tiny header plus PNGs; an .icns a list of typed PNGs).
// The outputs are committed: this needn't run in CI, only after a source changes.
//
//   node scripts/render-icons.mjs [--out <dir>]       (CHROMIUM_PATH overrides /usr/bin/chromium)
//
// resources/tray/  tray-<state>.png (16) + @2x (32)          Windows fallback, generic
//                  tray-<state>-22.png (22) + -22@2x (44)    Linux panels (StatusNotifierItem)
//                  tray-<state>Template.png (16) + @2x (32)  macOS menu bar (black + alpha)
//                  tray-<state>.ico (16, 20, 24, 32, 40, 48) Windows notification area, 100–300 %
//                  preview.png                               every state, colour and monochrome
// build/           icon.png (1024), icons/NxN.png (Linux), icon.ico, icon.icns
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const outRoot = outArg > 0 ? process.argv[outArg + 1] : root;
const src = join(root, 'resources', 'src');
const trayDir = join(outRoot, 'resources', 'tray');
const buildDir = join(outRoot, 'build');

/** The five tray states, and the colour of each in the coloured variants (the template ones are black). */
export const TRAY_STATES = {
  'up-to-date': '#2f855a',
  syncing: '#2563eb',
  paused: '#6b7280',
  attention: '#d9480f',
  offline: '#8b95a5',
};

const svgOf = (name, color) =>
  readFileSync(join(src, `${name}.svg`), 'utf8').replace('<svg ', `<svg color="${color}" `);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ deviceScaleFactor: 1 });

/** One SVG rasterised at size×size, transparent background. */
async function render(svg, size) {
  await page.setViewportSize({ width: size, height: size });
  const data = Buffer.from(svg).toString('base64');
  await page.setContent(
    `<html><body style="margin:0;background:transparent"><img id="i" width="${size}" height="${size}" ` +
      `style="display:block" src="data:image/svg+xml;base64,${data}"></body></html>`,
  );
  await page.waitForFunction(() => document.getElementById('i')?.complete);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

/** ICO: ICONDIR (6 bytes) + one 16-byte ICONDIRENTRY per image + the PNGs (Windows Vista+ reads PNG). */
export function ico(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt8(0, e + 2); // no palette
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

/** ICNS: 'icns' + total length, then per image a 4-character type + length (incl. its 8 bytes) + PNG. */
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024], // 512@2x
  ['ic11', 32], // 16@2x
  ['ic12', 64], // 32@2x
  ['ic13', 256], // 128@2x
  ['ic14', 512], // 256@2x
];
function icns(pngBySize) {
  const chunks = ICNS_TYPES.map(([type, size]) => {
    const png = pngBySize.get(size);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

mkdirSync(trayDir, { recursive: true });
mkdirSync(join(buildDir, 'icons'), { recursive: true });
const write = (path, data) => {
  writeFileSync(path, data);
  console.log(`${path.slice(outRoot.length + 1)}  ${data.length} bytes`);
};

for (const [state, color] of Object.entries(TRAY_STATES)) {
  const name = `tray-${state}`;
  const coloured = svgOf(name, color);
  const template = svgOf(name, '#000000');
  write(join(trayDir, `${name}.png`), await render(coloured, 16));
  write(join(trayDir, `${name}@2x.png`), await render(coloured, 32));
  write(join(trayDir, `${name}-22.png`), await render(coloured, 22));
  write(join(trayDir, `${name}-22@2x.png`), await render(coloured, 44));
  write(join(trayDir, `${name}Template.png`), await render(template, 16));
  write(join(trayDir, `${name}Template@2x.png`), await render(template, 32));
  const sizes = [16, 20, 24, 32, 40, 48];
  write(
    join(trayDir, `${name}.ico`),
    ico(await Promise.all(sizes.map(async (size) => ({ size, png: await render(coloured, size) })))),
  );
}

// A preview sheet: each state in colour at 16 and 32 px, and black/white (as macOS tints a Template
// image) on a light and a dark bar — the "distinguishable in monochrome" check by eye.
{
  const states = Object.keys(TRAY_STATES);
  const img = (svg) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  const cell = (state) => `
    <td><img src="${img(svgOf(`tray-${state}`, TRAY_STATES[state]))}" width="16" height="16">
        <img src="${img(svgOf(`tray-${state}`, TRAY_STATES[state]))}" width="32" height="32"></td>
    <td style="background:#ececec"><img src="${img(svgOf(`tray-${state}`, '#000'))}" width="16" height="16">
        <img src="${img(svgOf(`tray-${state}`, '#000'))}" width="32" height="32"></td>
    <td style="background:#1f2328"><img src="${img(svgOf(`tray-${state}`, '#fff'))}" width="16" height="16">
        <img src="${img(svgOf(`tray-${state}`, '#fff'))}" width="32" height="32"></td>
    <td style="background:#1f2328"><img src="${img(svgOf(`tray-${state}`, TRAY_STATES[state]))}" width="22" height="22"></td>`;
  await page.setViewportSize({ width: 560, height: 260 });
  await page.setContent(`<html><body style="margin:0;font:13px sans-serif;background:#fff">
    <table style="border-collapse:collapse" cellpadding="6">
      <tr><th></th><th>colour</th><th>Template, light bar</th><th>Template, dark bar</th><th>22 px, dark</th></tr>
      ${states.map((s) => `<tr><th style="text-align:left">${s}</th>${cell(s)}</tr>`).join('')}
    </table></body></html>`);
  const box = await page.locator('table').boundingBox();
  write(
    join(trayDir, 'preview.png'),
    await page.screenshot({
      clip: { x: 0, y: 0, width: Math.ceil(box.width), height: Math.ceil(box.height) },
    }),
  );
}

// The app icon.
{
  const svg = readFileSync(join(src, 'app-icon.svg'), 'utf8');
  const bySize = new Map();
  for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
    const png = await render(svg, size);
    bySize.set(size, png);
    write(join(buildDir, 'icons', `${size}x${size}.png`), png);
  }
  write(join(buildDir, 'icon.png'), bySize.get(1024));
  write(
    join(buildDir, 'icon.ico'),
    ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: bySize.get(size) }))),
  );
  write(join(buildDir, 'icon.icns'), icns(bySize));
}

await browser.close();
