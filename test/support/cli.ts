import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('bin/bilancio-sync.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `bilancio-sync` command in a child process with only the given environment (and PATH),
 * as another user if `user` is given (see asOtherUser.ts).
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  user?: { uid: number; gid: number },
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      cwd,
      ...user,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
