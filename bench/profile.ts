// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the main thread's time goes, by frame
// (self time) and by area (package, source folder, node internals, GC, idle).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** main-thread time not idle (JS, GC, native work on the main thread) */
  busyMs: number;
  topFrames: Array<{ frame: string; area: string; selfMs: number; pct: number }>;
  areas: Array<{ area: string; selfMs: number; pct: number }>;
}

function shortUrl(url: string, root: string): string {
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(root)) u = u.slice(root.length);
  return u.replace(/^\/+/, '');
}

function areaOf(fn: string, url: string): string {
  if (fn === '(idle)') return '(idle)';
  if (fn === '(garbage collector)') return '(garbage collector)';
  if (fn === '(program)') return '(program: native, outside JS)';
  if (fn === '(root)') return '(root)';
  if (url.startsWith('node:')) {
    const m = /^node:(internal\/)?([a-z_]+)/.exec(url);
    return `node:${m?.[2] ?? 'internal'}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /(src\/[^/]+\/[^/]+)\//.exec(url) ?? /(src\/[^/]+)\//.exec(url);
  if (src) return src[1]!;
  if (url === '') return '(native / no url)';
  return url.split('/').slice(-2).join('/');
}

export function summariseProfile(file: string, root: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    // timeDeltas[i] is the time since the previous sample: attribute it to the sample that ends it.
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i]!;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, p.timeDeltas[i + 1] ?? 0));
    }
  } else {
    const interval =
      (p.endTime - p.startTime) /
      Math.max(
        1,
        p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0),
      );
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  const frames = new Map<string, { area: string; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const fn = functionName || '(anonymous)';
    const area = areaOf(fn, url);
    const key = url ? `${fn} (${shortUrl(url, root)}:${lineNumber + 1})` : fn;
    const f = frames.get(key) ?? { area, us: 0 };
    f.us += us;
    frames.set(key, f);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
    if (area === '(idle)') idle += us;
  }
  const pct = (us: number) => Math.round((us / Math.max(1, total)) * 1000) / 10;
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round((total - idle) / 1000),
    topFrames: [...frames]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([frame, f]) => ({ frame, area: f.area, selfMs: Math.round(f.us / 1000), pct: pct(f.us) })),
    areas: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, us]) => ({ area, selfMs: Math.round(us / 1000), pct: pct(us) })),
  };
}

/** The main thread's profile in a --cpu-prof-dir (the largest file: tsx's loader thread writes a small one). */
export function mainProfile(dir: string): string | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return files[0] ?? null;
}
