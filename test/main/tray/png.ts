/** Just enough PNG and ICO reading for the icon tests: sizes, and 8-bit RGBA pixels (what Chromium writes). */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** RGBA, 4 bytes per pixel, row after row (for 8-bit colour type 6 only). */
  pixels?: Uint8Array;
}

export function readPng(data: Buffer): Png {
  if (!data.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let offset = 8;
  let header: Omit<Png, 'pixels'> | null = null;
  let interlace = 0;
  const idat: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        bitDepth: body[8]!,
        colorType: body[9]!,
      };
      interlace = body[12]!;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!header) throw new Error('no IHDR');
  if (header.bitDepth !== 8 || header.colorType !== 6 || interlace !== 0) return header;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = header.width * 4;
  const out = new Uint8Array(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? out[y * stride + x - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { ...header, pixels: out };
}

export interface IcoEntry {
  width: number;
  height: number;
  png: Buffer;
}

export function readIco(data: Buffer): IcoEntry[] {
  if (data.readUInt16LE(0) !== 0 || data.readUInt16LE(2) !== 1) throw new Error('not an .ico');
  const count = data.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const e = 6 + 16 * i;
    const size = data.readUInt32LE(e + 8);
    const offset = data.readUInt32LE(e + 12);
    return {
      width: data[e] || 256,
      height: data[e + 1] || 256,
      png: data.subarray(offset, offset + size),
    };
  });
}

export function readIcns(data: Buffer): Array<{ type: string; png: Buffer }> {
  if (data.toString('latin1', 0, 4) !== 'icns') throw new Error('not an .icns');
  if (data.readUInt32BE(4) !== data.length) throw new Error('icns length mismatch');
  const out: Array<{ type: string; png: Buffer }> = [];
  let offset = 8;
  while (offset < data.length) {
    const type = data.toString('latin1', offset, offset + 4);
    const length = data.readUInt32BE(offset + 4);
    out.push({ type, png: data.subarray(offset + 8, offset + length) });
    offset += length;
  }
  return out;
}
