import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const NODE = resolve('node_modules/.bin/node');
const MAIN = resolve('dist/test/fixtures/queue-app/main.js');

export interface Line {
  event: string;
  pid: number;
  at: number;
  [field: string]: unknown;
}

/** One child process of the queue fixture app; every JSON line it prints lands in `lines`. */
export class QueueAppProcess {
  readonly lines: Line[];
  readonly child: ChildProcess;
  stderr = '';
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<void>;

  constructor(env: Record<string, string>, sink: Line[]) {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: run "npm run -s build:lib && npm run -s build" first`);
    this.lines = sink;
    this.child = spawn(NODE, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const part of parts) if (part.startsWith('{')) sink.push(JSON.parse(part) as Line);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        done();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  async waitExit(): Promise<void> {
    await this.exited;
  }

  /** SIGTERM (graceful: drains running jobs) and waits for the exit. */
  async stop(): Promise<void> {
    if (!this.exit) this.child.kill('SIGTERM');
    await this.exited;
  }

  async kill(): Promise<void> {
    if (!this.exit) this.child.kill('SIGKILL');
    await this.exited;
  }
}
