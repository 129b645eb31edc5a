import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a compiled script (a path under dist/, built by `npm run -s build`) on the project's Node until it
 * exits, or kills it after `timeoutMs` (then `signal` is SIGKILL).
 */
export function runToExit(script: string, env: Record<string, string>, timeoutMs = 20_000): Promise<Exited> {
  const main = resolve(script);
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run -s build" first`);
  const child = spawn(resolve('node_modules/.bin/node'), [main], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    }),
  );
}
