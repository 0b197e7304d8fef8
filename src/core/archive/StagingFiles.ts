/**
 * The files and folders one extraction makes under its staging root, made with blocking calls, and
 * removed again when the extraction fails. Every file is created with `wx` (never following or
 * replacing something already there). Used by the extractor on its worker, and by the restore's own
 * thread when that thread writes the files of a single archive (extractInWorker.ts).
 */
import fs from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

export class StagingFiles {
  private readonly files: string[] = [];
  private readonly createdDirs: string[] = [];
  private readonly madeDirs = new Set<string>();
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Creates `abs` (its folders first) and returns the open descriptor. */
  create(abs: string): number {
    this.ensureDir(path.dirname(abs));
    const fd = fs.openSync(abs, 'wx'); // never follow or replace something already there
    this.files.push(abs);
    return fd;
  }

  /** A whole (verified) file with its mtime, in four calls: open, write, futimes, close. */
  writeWhole(abs: string, data: Uint8Array, mtimeSec: number): void {
    const fd = this.create(abs);
    try {
      writeAll(fd, data);
      fs.futimesSync(fd, mtimeSec, mtimeSec);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Removes the files made here, then the folders made here and `alsoDirs`, deepest first. Returns the
   * folders that stay because they are not empty: they hold someone else's files, or the files of the
   * other thread writing this extraction, which removes them in turn (extractInWorker.ts).
   */
  async removeAll(alsoDirs: readonly string[] = []): Promise<string[]> {
    for (const f of this.files.splice(0)) await rm(f, { force: true });
    const unique = [...new Set([...this.createdDirs.splice(0), ...alsoDirs])].sort(
      (a, b) => b.length - a.length,
    );
    const kept: string[] = [];
    for (const d of unique) await rmdir(d).catch(() => kept.push(d));
    return kept;
  }

  /**
   * Each folder once: runs hold ~10 files each, so remembering them saves a mkdir per file. A folder
   * whose parent we have made is one plain mkdir (a recursive one costs a failed call more).
   */
  private ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    const parent = path.dirname(dir);
    if (parent.length > this.root.length && parent.startsWith(this.root)) {
      this.ensureDir(parent);
      try {
        fs.mkdirSync(dir);
        this.createdDirs.push(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // something else there: the open says what
      }
    } else {
      const firstNew = fs.mkdirSync(dir, { recursive: true });
      if (firstNew)
        for (let d = dir; d.length >= firstNew.length; d = path.dirname(d)) this.createdDirs.push(d);
    }
    this.madeDirs.add(dir);
  }
}

export function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
}
