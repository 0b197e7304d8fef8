/**
 * Splits a plain (already gunzipped) tar byte stream into members, synchronously: for each member its
 * header, then its body in runs (never the padding), then its end. Pax (`x`, `g`) and GNU long-name
 * (`L`, `K`) records are applied to the member they describe, as tar 7 does, through tar 7's own
 * `Header` and `Pax` decoders (a plain file's or folder's header is read by plainTarHeader.ts, which
 * answers as tar 7 would); what a member is allowed to be is the sink's business
 * (ArchiveExtractor.ts), not this file's.
 *
 * Why not tar 7's `Parser`: it turns every member into a stream with its own events and buffering,
 * and the restore waits on a promise per member. For a sweep's ~12,000 small files that machinery
 * cost more CPU than gunzip, hashing and the writes' own calls together (profiled on the extraction
 * worker). Here one `write` call walks a whole gunzipped chunk.
 *
 * Errors are `TarFormatError`s, thrown from `write` or `end`; a sink's own error passes through.
 */
import { Header, type HeaderData } from 'tar/header';
import { Pax } from 'tar/pax';
import { type PlainHeader, plainTarHeader } from './plainTarHeader.js';

const BLOCK = 512;
/** Largest pax or long-name record accepted (tar 7's default `maxMetaEntrySize`). */
const MAX_META_BYTES = 1024 * 1024;
const META_TYPES = new Set([
  'ExtendedHeader',
  'OldExtendedHeader',
  'GlobalExtendedHeader',
  'NextFileHasLongPath',
  'OldGnuLongPath',
  'NextFileHasLongLinkpath',
]);
const LINK_TYPES = new Set(['Link', 'SymbolicLink']);

export class TarFormatError extends Error {}

/** What a member says it is, pax and long names applied. */
export interface TarMember {
  path: string;
  /** tar 7's type names: 'File', 'Directory', 'SymbolicLink', … ('Unsupported' for an unknown flag). */
  type: string;
  /** Its body's length (a directory's is 0 whatever its header says, as in tar 7). */
  size: number;
  linkpath?: string;
}

export interface TarMemberSink {
  header(member: TarMember): void;
  /** The next run of the member's body: a view into the chunk given to `write`, which the sink may
   *  keep (gunzip's output chunks are never reused). */
  body(bytes: Buffer): void;
  /** The member's body is complete. */
  end(): void;
}

export class TarSplitter {
  /** Body bytes of the current member still to come, then the padding to its next block. */
  private remain = 0;
  private pad = 0;
  /** A header block split across chunks. */
  private readonly head = Buffer.alloc(BLOCK);
  private headFill = 0;
  /** The current member is a pax or long-name record: its body is collected here. */
  private meta: { type: string; parts: Buffer[] } | null = null;
  private ex: HeaderData | undefined;
  private gex: HeaderData | undefined;
  private sawNullBlock = false;
  private sawEnd = false;
  private current = '';

  constructor(private readonly sink: TarMemberSink) {}

  write(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len && !this.sawEnd) {
      if (this.remain > 0) {
        const n = Math.min(this.remain, len - pos);
        const run = chunk.subarray(pos, pos + n);
        pos += n;
        this.remain -= n;
        if (this.meta)
          this.meta.parts.push(Buffer.from(run)); // kept past this chunk: a copy
        else this.sink.body(run);
        if (this.remain === 0) this.finishMember();
      } else if (this.pad > 0) {
        const n = Math.min(this.pad, len - pos);
        pos += n;
        this.pad -= n;
      } else if (this.headFill === 0 && len - pos >= BLOCK) {
        this.consumeHeader(chunk, pos);
        pos += BLOCK;
      } else {
        const n = Math.min(BLOCK - this.headFill, len - pos);
        chunk.copy(this.head, this.headFill, pos, pos + n);
        pos += n;
        this.headFill += n;
        if (this.headFill === BLOCK) {
          this.headFill = 0;
          this.consumeHeader(this.head, 0);
        }
      }
    }
  }

  /** The input is over: a member, record or header cut short is an error. */
  end(): void {
    if (this.sawEnd) return;
    if (this.remain > 0 || this.pad > 0) {
      throw new TarFormatError(
        `the tar data ends inside ${JSON.stringify(this.current)} (${this.remain + this.pad} more bytes were due)`,
      );
    }
    if (this.headFill > 0) throw new TarFormatError('the tar data ends inside a header block');
  }

  private consumeHeader(buf: Buffer, off: number): void {
    let h: PlainHeader | Header;
    try {
      // Most headers are a plain file's or folder's (plainTarHeader.ts); pax, long names and the rest go to tar 7.
      h = (!this.ex && !this.gex && plainTarHeader(buf, off)) || new Header(buf, off, this.ex, this.gex);
    } catch (e) {
      throw new TarFormatError(`a header block cannot be read (${(e as Error).message})`);
    }
    if (h.nullBlock) {
      // Two zero blocks end the archive; what follows (record padding) is not read.
      if (this.sawNullBlock) this.sawEnd = true;
      this.sawNullBlock = true;
      return;
    }
    this.sawNullBlock = false;
    const type = h.type;
    // tar 7's Header puts a ustar prefix in front of a pax path; its ReadEntry then takes the pax
    // path whole, and so do we.
    if (this.ex && !META_TYPES.has(type)) {
      if (this.ex.path) h.path = this.ex.path;
      if (this.ex.linkpath) h.linkpath = this.ex.linkpath;
    }
    if (!h.cksumValid) throw new TarFormatError('a header block fails its checksum');
    const path = h.path;
    if (!path) throw new TarFormatError('a header has no path');
    if (LINK_TYPES.has(type) && !h.linkpath) throw new TarFormatError(`${path}: a link without a target`);
    if (!LINK_TYPES.has(type) && !/^(Global)?ExtendedHeader$/.test(type) && h.linkpath) {
      throw new TarFormatError(`${path}: a link target on a member that is not a link`);
    }
    const size = h.size ?? 0;
    this.current = path;
    this.remain = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (META_TYPES.has(type)) {
      if (size > MAX_META_BYTES) {
        throw new TarFormatError(`a ${type} record of ${size} bytes (more than ${MAX_META_BYTES})`);
      }
      this.meta = { type, parts: [] };
    } else {
      this.ex = undefined; // a pax record describes the one member after it
      this.sink.header({ path, type, size, ...(h.linkpath ? { linkpath: h.linkpath } : {}) });
    }
    if (size === 0) this.finishMember();
  }

  private finishMember(): void {
    const meta = this.meta;
    if (!meta) {
      this.sink.end();
      return;
    }
    this.meta = null;
    const text = Buffer.concat(meta.parts).toString('utf8');
    switch (meta.type) {
      case 'GlobalExtendedHeader':
        this.gex = Pax.parse(text, this.gex, true);
        break;
      case 'ExtendedHeader':
      case 'OldExtendedHeader':
        this.ex = Pax.parse(text, this.ex, false);
        break;
      case 'NextFileHasLongLinkpath':
        this.ex = { ...this.ex, linkpath: text.replace(/\0.*/s, '') };
        break;
      default: // NextFileHasLongPath, OldGnuLongPath
        this.ex = { ...this.ex, path: text.replace(/\0.*/s, '') };
    }
  }
}
