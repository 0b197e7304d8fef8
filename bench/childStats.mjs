// Preloaded (`node --import ./bench/childStats.mjs …`) into every CLI process the benchmark runs.
// At exit it writes the process's own resource usage and how many PostgreSQL queries it sent to the file
// named by BENCH_STATS_FILE. Nothing else in the process changes.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const file = process.env.BENCH_STATS_FILE;
const started = performance.now();
let pgQueries = 0;
let pgConnects = 0;

// pg is CommonJS: the ESM `import pg from 'pg'` in src/ gets this same module instance, so counting here
// counts every query (= one round trip: extended-protocol messages go out in one flight) the app sends.
try {
  const pg = createRequire(import.meta.url)('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    pgQueries++;
    return query.apply(this, args);
  };
  const connect = pg.Client.prototype.connect;
  pg.Client.prototype.connect = function countedConnect(...args) {
    pgConnects++;
    return connect.apply(this, args);
  };
} catch {
  // pg not installed: nothing to count
}

if (file) {
  process.on('exit', (code) => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        exitCode: code,
        maxRssKiB: u.maxRSS,
        userCpuUs: u.userCPUTime,
        systemCpuUs: u.systemCPUTime,
        pgQueries,
        pgConnects,
        lifetimeMs: performance.now() - started,
      }),
    );
  });
}
