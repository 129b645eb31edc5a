import type { ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/**
 * What the private servers of the test harness (redis-server, nats-server, RabbitMQ) share: a free port, a probe
 * of their wire protocol, and a child process that is started until it answers and stopped with a signal.
 */

/** A free TCP port on 127.0.0.1 (never a shared service's standard port: the kernel hands out an unused one). */
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

/**
 * Connects to `127.0.0.1:port`, writes `hello` and resolves true once `answered` accepts what came back so far;
 * false on a refused connection, a close, or nothing acceptable within `timeoutMs`.
 */
export function probe(
  port: number,
  hello: string | Buffer,
  answered: (received: Buffer) => boolean,
  timeoutMs = 500,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write(hello));
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (answered(received)) done(true);
    });
  });
}

/** How long a stopped server may take to exit before it is killed. */
const STOP_GRACE_MS = 20_000;

export interface ServerProcessSpec {
  /** Names the server in errors, e.g. `redis-server on port 6400`. */
  name: string;
  spawn(): ChildProcess;
  /** True once the server answers its protocol. */
  ready(): Promise<boolean>;
  bootTimeoutMs: number;
  pollMs: number;
  /** Signals go to the child's process group (spawned `detached`), so wrapper scripts take their children along. */
  group?: boolean;
  /** What to add to a boot failure (the server's own output). */
  output?(): string;
}

/** One server child process: started until it answers, stopped (or killed) with a signal, started again. */
export class ServerProcess {
  private child?: ChildProcess;

  constructor(private readonly spec: ServerProcessSpec) {}

  /** Spawns the server and waits until it answers; a server that exits or stays silent fails with its output. */
  async start(): Promise<void> {
    const proc = this.spec.spawn();
    this.child = proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    const deadline = Date.now() + this.spec.bootTimeoutMs;
    while (!(await this.spec.ready())) {
      if (exited || Date.now() > deadline) {
        await this.signal('SIGKILL');
        const output = this.spec.output?.() ?? '';
        throw new Error(`${this.spec.name} did not start${output ? `:\n${output}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.spec.pollMs));
    }
  }

  /**
   * Sends `signal` and waits for the exit, SIGKILLing it after STOP_GRACE_MS (a RabbitMQ node still booting
   * ignores SIGTERM, and its script then waited for ever: the test process exited and left the node running);
   * with `group`, nothing of the group outlives it.
   */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const proc = this.child;
    this.child = undefined;
    if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
    const pid = proc.pid;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const send = (sig: NodeJS.Signals) => (this.spec.group ? process.kill(-pid, sig) : proc.kill(sig));
    try {
      send(signal);
    } catch {
      return; // already gone
    }
    let grace: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(true), STOP_GRACE_MS)));
    if (await Promise.race([exited.then(() => false), late])) {
      try {
        send('SIGKILL');
      } catch {
        // gone meanwhile
      }
      await exited;
    }
    clearTimeout(grace);
    if (!this.spec.group) return;
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // the whole group is gone
    }
  }

  async restart(): Promise<void> {
    await this.signal('SIGTERM');
    await this.start();
  }

  /**
   * SIGSTOP: the server keeps its connections open and answers nothing (a frozen or swapped-out host), so no
   * client sees a disconnect. Returns the thaw (SIGCONT).
   */
  freeze(): () => void {
    const send = (signal: NodeJS.Signals) => {
      const pid = this.child?.pid;
      if (!pid) throw new Error(`${this.spec.name} is not running`);
      process.kill(this.spec.group ? -pid : pid, signal);
    };
    send('SIGSTOP');
    return () => send('SIGCONT');
  }
}
