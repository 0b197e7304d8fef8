// The soak's report: one table row per kind (trials, passed, what happened), then every failure with the
// command that reproduces it alone.
import type { Machine } from '../lib.js';
import type { SoakKind } from './kinds.js';

export interface KindReport {
  kind: SoakKind;
  run: number;
  passed: number;
  failures: Array<{ trial: number; setup: string; outcome: string; problems: string[] }>;
  /** Outcome (numbers blanked) → how many trials ended so. */
  outcomes: Map<string, number>;
  skipped?: string;
  seconds: number;
}

export function soakMarkdown(ctx: {
  reports: KindReport[];
  seed: number;
  trials: number;
  single: number | null;
  machine: Machine;
  minutes: number;
  /** The commit the soak ran on (with "+ changes" when the work tree differed). */
  commit: string;
}): string {
  const m = ctx.machine;
  const lines = [
    `### Soak: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ${m.os}; load at start ${m.loadAtStart}. Code: ${ctx.commit}. Seed ${ctx.seed}, ${ctx.single === null ? `${ctx.trials} trials per kind` : `trial ${ctx.single}`}, ${ctx.minutes.toFixed(1)} min in all.`,
    '',
    '| kind | trials | passed | what happened |',
    '|---|---|---|---|',
  ];
  for (const r of ctx.reports) {
    const what = r.skipped
      ? `not run: ${r.skipped}`
      : [...r.outcomes]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${n}× ${k}`)
          .join(' · ');
    lines.push(`| ${r.kind.title} | ${r.run} | ${r.passed} | ${what} |`);
  }
  const failures = ctx.reports.flatMap((r) => r.failures.map((f) => ({ ...f, kind: r.kind.id })));
  lines.push('');
  if (failures.length === 0) lines.push('Every trial passed.');
  else {
    lines.push(`**${failures.length} failure(s):**`, '');
    for (const f of failures) {
      lines.push(
        `- \`${f.kind}\` trial ${f.trial} (${f.setup} → ${f.outcome}): ${f.problems.join('; ')}. Reproduce: \`npm run soak -- --only ${f.kind} --trial ${f.trial} --seed ${ctx.seed}\``,
      );
    }
  }
  lines.push(
    '',
    'Checked after every trial: the store gives back exactly the local bytes (download into a fresh folder, sha256 of every file); the latest revision is one more than before the change (none lost, none doubled); PostgreSQL holds the sweep once at that revision with every comparison and registry row once; no multipart upload is left open; no staging folder or temp file is left; a failure is one JSON error in the category the fault explains (`transient`, code `disk-full` on a full disk, with the MB), never exit 1 or a stack trace, and never a hang.',
  );
  return lines.join('\n');
}
