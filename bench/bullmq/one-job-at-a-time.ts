// Enqueue→start latency one job at a time: the next job is sent once the previous one has started.
import { fork } from 'node:child_process';
import { percentile } from '../stats.js';
import { now, sink, type Producer, type TimedPayload } from '../rounds.js';
import { started } from './workflows.js';

export interface SerialFigures {
  p50: number;
  p99: number;
}

const figures = (): SerialFigures => ({
  p50: percentile(sink.latencies, 50),
  p99: percentile(sink.latencies, 99),
});

/** Producer and consumer in this process: `count` sends, each awaited and then its start awaited. */
export async function serialRound(
  count: number,
  send: (payload: TimedPayload) => Promise<unknown>,
): Promise<SerialFigures> {
  sink.latencies = [];
  sink.done = 0;
  for (let i = 0; i < count; i++) {
    const start = new Promise<void>((resolve) => (started.wake = resolve));
    await send({ t: now() });
    await start;
  }
  started.wake = undefined;
  return figures();
}

/** A fresh child's first sends run cold (JIT, first connections): not counted. */
const CHILD_WARM_UP = 20;

/**
 * Producer in a child process (`moduleUrl` run with `envName` = the space-joined `args`, see `serialChild`),
 * consumer here: the child sends one job per "next" message, which is sent when the previous job started.
 */
export async function serialChildRound(
  moduleUrl: string,
  envName: string,
  args: Array<string | number>,
  count: number,
): Promise<SerialFigures> {
  sink.latencies = [];
  sink.done = 0;
  const total = count + CHILD_WARM_UP;
  const child = fork(new URL(moduleUrl), [], {
    env: { ...process.env, [envName]: args.join(' ') },
    stdio: 'inherit',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) =>
      reject(new Error(`serial producer exited with ${code} before it was ready`)),
    );
  });
  await new Promise<void>((resolve) => {
    started.wake = () => (sink.done >= total ? resolve() : void child.send('next'));
    child.send('next');
  });
  started.wake = undefined;
  child.send('stop');
  await exited;
  sink.latencies = sink.latencies.slice(CHILD_WARM_UP);
  return figures();
}

/** The child side of `serialChildRound`: if `envName` is set, sends one payload per "next" until "stop". */
export function serialChild(envName: string, build: (args: string[]) => Promise<Producer>): void {
  const value = process.env[envName];
  if (!value) return;
  const main = async () => {
    const producer = await build(value.split(' '));
    await new Promise<void>((resolve, reject) => {
      process.on('message', (message) => {
        if (message === 'stop') resolve();
        else producer.send({ t: now() }).catch(reject);
      });
      process.send?.('ready');
    });
    await producer.close();
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
