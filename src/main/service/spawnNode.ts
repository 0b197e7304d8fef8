/**
 * Starts the service process under plain Node (tests, the boot test, a future headless host): `fork` with
 * an IPC channel, which serviceProcess.ts uses as its port when there is no Electron parentPort. From
 * source (.ts) it runs through tsx, as the CLI does.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { processPort } from './port.js';
import type { ServiceConnection } from './ServiceClient.js';

export function nodeSpawner(
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { stdio?: 'inherit' | 'pipe' | 'ignore' } = {},
): () => ServiceConnection {
  return () => {
    const execArgv = entry.endsWith('.ts')
      ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
      : [];
    const child = fork(entry, [], {
      env,
      execArgv,
      stdio: ['ignore', options.stdio ?? 'inherit', options.stdio ?? 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const exited = new Promise<{ code: number | null }>((resolve) => {
      child.once('exit', (code) => resolve({ code }));
    });
    return { port: processPort(child), exited, kill: () => void child.kill('SIGKILL') };
  };
}
