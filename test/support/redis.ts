import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
}

/** A free TCP port on 127.0.0.1 (never the shared 6379). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends PING; resolves true on +PONG (or -NOAUTH: the server is up, it only wants a password). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

/**
 * Starts a private `redis-server` on a free port in a temp dir (`--save ""`, AOF on request) and waits until it
 * answers PING. Stop it in afterAll.
 */
export async function startRedis(
  options: { appendOnly?: boolean; password?: string } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hs-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
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
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    const deadline = Date.now() + 5000;
    while (!(await ping(port))) {
      if (exited || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };

  await launch();
  return {
    url: options.password
      ? `redis://default:${encodeURIComponent(options.password)}@127.0.0.1:${port}`
      : `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: async ({ keepDir = false } = {}) => {
      await terminate('SIGTERM');
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
