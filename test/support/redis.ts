import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, probe, ServerProcess } from './server-process.js';

export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>`, with `default:<password>@` when started with a password. */
  url: string;
  port: number;
  dir: string;
  /** Graceful stop (SHUTDOWN via SIGTERM); the data dir stays until `stop()` with `cleanup`. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
  /** SIGKILL: no final AOF rewrite, no goodbye. */
  kill(): Promise<void>;
  /** Starts again on the same port and dir (so AOF data survives). */
  restart(): Promise<void>;
  /** SIGSTOP (connections stay open, nothing answers); returns the thaw. */
  freeze(): () => void;
}

/** PING answered with +PONG (or -NOAUTH: the server is up, it only wants a password). */
const answersPing = (port: number) =>
  probe(port, 'PING\r\n', (received) => /^(\+PONG|-NOAUTH)/.test(received.toString()));

/**
 * Starts a private `redis-server` on a free port in a temp dir (`--save ""`, AOF on request) and waits until it
 * answers PING. Stop it in afterAll.
 */
export async function startRedis(
  options: { appendOnly?: boolean; password?: string; port?: number } = {},
): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'hs-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir,
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  const server = new ServerProcess({
    name: `redis-server on port ${port}`,
    spawn: () => spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] }),
    ready: () => answersPing(port),
    bootTimeoutMs: 5000,
    pollMs: 20,
  });

  await server.start();
  return {
    url: options.password
      ? `redis://default:${encodeURIComponent(options.password)}@127.0.0.1:${port}`
      : `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: async ({ keepDir = false } = {}) => {
      await server.signal('SIGTERM');
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => server.signal('SIGKILL'),
    restart: () => server.restart(),
    freeze: () => server.freeze(),
  };
}
