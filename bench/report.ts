// Renders the benchmark results as Markdown (bench/results/latest.md and the README's Benchmarks section).

import type { BigSummaryResult } from './bigSummary.js';
import { fmt, num } from './format.js';
import { type Machine, type Stat, stat } from './lib.js';
import type { ProfileSummary } from './profile.js';
import type { StartupResult } from './startup.js';
import { type CaseResult, renderCase } from './sweepCase.js';
import { type UiResult, uiTable } from './ui.js';

export interface Row {
  what: string;
  kind: 'ours' | 'baseline';
  key: string;
  wallS: Stat | null;
  mbps: Stat | null;
  rssMB: Stat | null;
  cpuS: Stat | null;
  pgQueries?: Stat | null;
  /** the engine's own duration (no-op re-sync), ms */
  engineMs?: Stat | null;
}

export interface TargetRow {
  target: string;
  ours: number | null;
  baseline: number | null;
  ratio: number | null;
  limit: number;
  unit: '×' | 'MB' | 's' | '%';
  result: string;
}

export interface Report {
  machine: Machine;
  sweep: { name: string; pairs: number; files: number; bytes: number; branches: string[] };
  runs: number;
  big: boolean;
  settings: { compressionLevel: number; archiveConcurrency: number };
  rows: Row[];
  catalogWrite: {
    firstMs: Stat | null;
    replaceMs: Stat | null;
    roundTrips: Stat | null;
    payloadBytes: number;
    rows: string;
  } | null;
  watch: {
    measured: boolean;
    reason?: string;
    sweeps?: number;
    filesPerSweep?: number;
    startupMs: Stat | null;
    startupSignal?: string;
    rssMB: Stat | null;
    idleCpuPct: Stat | null;
    idleSeconds?: number;
    idleEvents?: string;
  } | null;
  /** where the wall time of each sync goes, from the CLI's --json event times */
  phases: Array<{ what: string; phases: Array<{ phase: string; ms: Stat | null }> }>;
  targets: TargetRow[];
  profiles: Record<string, ProfileSummary>;
  notes: string[];
  errors: string[];
  /** the window's figures (bench/ui.ts), when measured */
  ui?: UiResult | null;
  /** more sweeps, each in its own table: the ring sweep of today's size, with --big the 10× sweep */
  cases: CaseResult[];
  startup: StartupResult | null;
  /** the 50 MB summary.json, per destination */
  bigSummary: Array<{ label: string; result: BigSummaryResult }>;
  /** watch mode over 1,000 synced sweeps */
  watchMany: {
    sweeps: number;
    filesPerSweep: number;
    firstSyncMs: number;
    startupMs: Stat | null;
    rssMB: Stat | null;
    rssHighWaterMB: Stat | null;
    idleCpuPct: Stat | null;
    idleSeconds: number;
    startupSignal?: string;
    idleEvents?: string;
  } | null;
}

/** ours ÷ each baseline it is compared with, from medians. */
function ratios(r: Row, all: Row[]): string {
  const base = (key: string) => all.find((x) => x.key === key)?.wallS?.median ?? null;
  const pairs: Array<[string, string]> = r.key.startsWith('sync.')
    ? [
        ['base.tarc', 'tar -czf 1-core'],
        ['base.tarcpar', 'tar -czf ∥'],
        ['base.cat', 'cat'],
        ...(r.key === 'sync.s3pg' ? ([['base.rcloneUp', 'rclone up']] as Array<[string, string]>) : []),
      ]
    : r.key.startsWith('restore.')
      ? [
          ['base.tarx', 'tar -xzf'],
          ...(r.key === 'restore.s3pg'
            ? ([['base.rcloneDown', 'rclone back']] as Array<[string, string]>)
            : []),
        ]
      : [];
  const ours = r.wallS?.median ?? null;
  if (ours === null) return '';
  return pairs
    .map(([k, label]) => {
      const b = base(k);
      return b ? `${num(ours / b, 2)}× ${label}` : null;
    })
    .filter((x): x is string => x !== null)
    .join(' · ');
}

function fmtTarget(v: number | null, unit: TargetRow['unit']): string {
  if (v === null) return '–';
  if (unit === '×') return `${num(v, 2)}×`;
  if (unit === 'MB') return `${num(v, 0)} MB`;
  if (unit === '%') return `${num(v, 2)} %`;
  return `${num(v, 2)} s`;
}

export function renderMarkdown(r: Report): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`### Latest run: ${m.date.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}; ` +
      `${m.tar}; ${m.gzip}${m.rclone ? `; ${m.rclone}` : ''}. Load average at start: ${m.loadAtStart}.`,
  );
  out.push('');
  out.push(
    `**Sweep:** "${r.sweep.name}" (balanced, ${r.sweep.pairs} pairs, ${r.sweep.files.toLocaleString('en')} files, ` +
      `${num(r.sweep.bytes / 1e6, 1)} MB; branches ${r.sweep.branches.join(', ')}), made by the fixture generator. ` +
      `gzip level ${r.settings.compressionLevel}, archive concurrency ${r.settings.archiveConcurrency}. ` +
      `Each figure is the median of ${r.runs} run(s), (min–max); ours and the baselines run interleaved on the same ` +
      'files (page cache warm) and the same servers; wall time is the whole CLI process (Node start-up included).',
  );
  out.push('');
  out.push('| what | wall s | MB/s of source | peak RSS MB | CPU s | ours ÷ baseline (medians) |');
  out.push('|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const extra: string[] = [];
    if (row.engineMs) extra.push(`engine ${fmt(row.engineMs, 0)} ms`);
    if (row.pgQueries) extra.push(`${fmt(row.pgQueries, 0)} PostgreSQL round trips`);
    const label = row.kind === 'baseline' ? `*baseline:* ${row.what}` : `**${row.what}**`;
    const ratio = [ratios(row, r.rows), ...extra].filter(Boolean).join(' · ');
    out.push(
      `| ${label} | ${fmt(row.wallS)} | ${fmt(row.mbps, 1)} | ${fmt(row.rssMB, 0)} | ${fmt(row.cpuS)} | ${ratio} |`,
    );
  }
  out.push('');
  if (r.catalogWrite) {
    const c = r.catalogWrite;
    out.push(
      `**Catalog write** of one ${r.sweep.pairs}-pair sweep to PostgreSQL (${c.rows}; ${num(c.payloadBytes / 1e6, 2)} MB JSON ` +
        `payload): first write ${fmt(c.firstMs, 0)} ms, same write again (replace) ${fmt(c.replaceMs, 0)} ms, ` +
        `${fmt(c.roundTrips, 0)} round trip(s) per write (pg \`Client#query\` calls counted in the bench process).`,
    );
    out.push('');
  }
  if (r.watch) {
    const w = r.watch;
    out.push(
      w.measured
        ? `**Watch mode** over ${w.sweeps} synced sweeps of ~${w.filesPerSweep} files: start-up ${fmt(w.startupMs, 0)} ms ` +
            `(ready = ${w.startupSignal}), RSS ${fmt(w.rssMB, 0)} MB, CPU while idle for ${w.idleSeconds} s ${fmt(w.idleCpuPct, 2)} % of a core` +
            `${w.idleEvents ? ` (events while idle: ${w.idleEvents})` : ''}.`
        : `**Watch mode:** ${w.reason}.`,
    );
    out.push('');
  }
  for (const c of r.cases) out.push(...renderCase(c, r.runs));
  if (r.startup) {
    const st = r.startup;
    out.push(
      `**Start-up** (whole process, spawn to exit, ${st.runs} runs each, median (min–max)): \`node -e 0\` ${fmt(st.floorS, 3)} s, ` +
        `\`bilancio-sync --version\` ${fmt(st.versionS, 3)} s, \`bilancio-sync status\` (a home with one synced sweep) ${fmt(st.statusS, 3)} s.`,
    );
    out.push('');
  }
  for (const b of r.bigSummary) {
    const x = b.result;
    const st = (v: number[]) => fmt(stat(v), 0);
    out.push(
      `**A ${num(x.summaryMB, 1)} MB summary.json** → ${b.label}: sync peak RSS ${st(x.syncRssMB)} MB (${fmt(stat(x.syncWallMs.map((m) => m / 1000)))} s), ` +
        `\`list-sweeps\` afterwards ${st(x.listRssMB)} MB (${fmt(stat(x.listWallMs.map((m) => m / 1000)))} s).`,
    );
    out.push('');
  }
  if (r.watchMany) {
    const w = r.watchMany;
    out.push(
      `**Watch mode over ${w.sweeps.toLocaleString('en')} synced sweeps** of ~${w.filesPerSweep} files (first synced by \`watch --once\` in ${num(w.firstSyncMs / 1000, 0)} s): ` +
        `start-up ${fmt(w.startupMs, 0)} ms (ready = ${w.startupSignal}), RSS while idle ${fmt(w.rssMB, 0)} MB ` +
        `(high water, start-up included, ${fmt(w.rssHighWaterMB, 0)} MB), CPU while idle for ${w.idleSeconds} s ${fmt(w.idleCpuPct, 3)} % of a core` +
        `${w.idleEvents ? ` (events while idle: ${w.idleEvents})` : ''}.`,
    );
    out.push('');
  }
  if (r.phases.length > 0) {
    out.push('Where the wall time of a full sync goes (ms, from the times of its `--json` events):');
    out.push('');
    const names = r.phases[0]!.phases.map((p) => p.phase);
    out.push(`| sync to | ${names.join(' | ')} |`);
    out.push(`|---|${names.map(() => '---').join('|')}|`);
    for (const p of r.phases) out.push(`| ${p.what} | ${p.phases.map((x) => fmt(x.ms, 0)).join(' | ')} |`);
    out.push('');
  }
  out.push('| target | ours | baseline | ours ÷ baseline | limit | result |');
  out.push('|---|---|---|---|---|---|');
  for (const t of r.targets) {
    const baseUnit = t.unit === '×' ? 's' : t.unit;
    const ours = t.unit === '×' ? fmtTarget(t.ours, 's') : fmtTarget(t.ours, t.unit);
    const result =
      t.result === 'miss'
        ? `**miss** (${t.ratio !== null ? `${num(t.ratio / t.limit, 2)}× the limit` : `${num((t.ours ?? 0) / t.limit, 2)}× the limit`})`
        : t.result;
    out.push(
      `| ${t.target} | ${ours} | ${fmtTarget(t.baseline, baseUnit as TargetRow['unit'])} | ${t.ratio !== null ? `${num(t.ratio, 2)}×` : '–'} | ${t.unit === '×' ? `${t.limit}×` : fmtTarget(t.limit, t.unit)} | ${result} |`,
    );
  }
  out.push('');
  for (const [what, p] of Object.entries(r.profiles)) {
    out.push(
      `**Profile of one ${what}** (\`node --cpu-prof\`, main thread; ${p.file}): ${num(p.busyMs / 1000, 2)} s busy of ${num(p.totalMs / 1000, 2)} s.`,
    );
    out.push('');
    out.push('| area (self time) | ms | % | | top frame (self time) | ms | % |');
    out.push('|---|---|---|---|---|---|---|');
    const n = Math.max(p.areas.length, p.topFrames.length);
    for (let i = 0; i < Math.min(n, 12); i++) {
      const a = p.areas[i];
      const f = p.topFrames[i];
      out.push(
        `| ${a ? `${a.area}` : ''} | ${a ? a.selfMs : ''} | ${a ? a.pct : ''} | | ${f ? `\`${f.frame.replace(/\|/g, '\\|')}\`` : ''} | ${f ? f.selfMs : ''} | ${f ? f.pct : ''} |`,
      );
    }
    out.push('');
  }
  if (r.ui?.rows.length) {
    out.push('**Window (browser mode)** — details in bench/results/ui-latest.md:');
    out.push('');
    out.push(...uiTable(r.ui, r.runs));
    out.push('');
  }
  for (const n of r.notes) out.push(`* ${n}`);
  for (const e of r.errors) out.push(`* **error:** ${e}`);
  if (r.notes.length + r.errors.length > 0) out.push('');
  return out.join('\n');
}
