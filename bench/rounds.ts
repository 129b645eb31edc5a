// Alternating-rounds plumbing shared by the queue benches that compare ours with a raw client on the same server:
// a sink the handlers report to, a producer with bounded in-flight sends, a producer child process driven over IPC,
// the round loop (raw, then ours, ROUNDS times) and the summary row with medians over the kept rounds.
import { fork } from 'node:child_process';
import { median, percentile } from './stats.js';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

/** What one round measured: throughput and enqueue→start latency percentiles. */
export interface RoundFigures {
  perSecond: number;
  p50: number;
  p99: number;
}

/** A timestamped payload: the consumer measures enqueue→start from `t`. */
export interface TimedPayload {
  t: number;
}

/** Where handlers report: enqueue→start latencies and a completion counter. */
export const sink = { latencies: [] as number[], done: 0 };

/** Called by every consumer (raw or ours) when a job starts. */
export function record(payload: TimedPayload): void {
  sink.latencies.push(now() - payload.t);
  sink.done++;
}

/** Sends `count` messages with at most `inFlight` unconfirmed, as a busy producer would. */
export async function produce(
  count: number,
  send: (payload: TimedPayload) => Promise<unknown>,
  inFlight = 100,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        next++;
        await send({ t: now() });
      }
    }),
  );
}

/** A producer for the child process: how to send one payload and how to close afterwards. */
export interface Producer {
  send: (payload: TimedPayload) => Promise<unknown>;
  close: () => Promise<unknown>;
}

/**
 * One round with the producer in a child process: forks `moduleUrl` with `envName` set to the space-joined
 * `args`, waits for its "ready", says "go", and times until the consumer here has recorded `jobs` starts.
 */
export async function producerRound(
  moduleUrl: string,
  envName: string,
  args: Array<string | number>,
  jobs: number,
): Promise<RoundFigures> {
  sink.latencies = [];
  sink.done = 0;
  const child = fork(new URL(moduleUrl), [], {
    env: { ...process.env, [envName]: args.join(' ') },
    stdio: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`producer exited with ${code} before it was ready`)));
  });
  const began = now();
  child.send('go');
  while (sink.done < jobs) await new Promise((r) => setTimeout(r, 5));
  const seconds = (now() - began) / 1000;
  await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  return {
    perSecond: jobs / seconds,
    p50: percentile(sink.latencies, 50),
    p99: percentile(sink.latencies, 99),
  };
}

/**
 * The child side of `producerRound`: if `envName` is set, builds the producer from its arguments, says "ready",
 * waits for "go", sends `count` (the third argument) payloads, closes and exits.
 */
export function producerChild(envName: string, build: (args: string[]) => Promise<Producer>): void {
  const value = process.env[envName];
  if (!value) return;
  const args = value.split(' ');
  const main = async () => {
    const producer = await build(args);
    process.send?.('ready');
    await new Promise<void>((resolve) => process.once('message', () => resolve()));
    await produce(Number(args[2]), producer.send);
    await producer.close();
    process.send?.('sent');
  };
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** Runs raw and ours `rounds` times; the side that goes first alternates too, so neither always runs warm. */
export async function alternate<F = RoundFigures>(
  rounds: number,
  raw: () => Promise<F>,
  ours: () => Promise<F>,
): Promise<{ raw: F[]; ours: F[] }> {
  const result = { raw: [] as F[], ours: [] as F[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      result.raw.push(await raw());
      result.ours.push(await ours());
    } else {
      result.ours.push(await ours());
      result.raw.push(await raw());
    }
  }
  return result;
}

/** A round pair whose raw throughput is further than this from the median raw throughput is discarded. */
export const NOISE_GUARD = 0.3;

/** The noise guard in words, for the table's caption. */
export const NOISE_GUARD_TEXT = `noise guard: round pairs whose raw jobs/s is > ${NOISE_GUARD * 100} % from the median raw are dropped (kept column)`;

/** Prints each round's figures (raw → ours), so the spread behind the medians is visible. */
export function printRounds(concurrency: number, runs: { raw: RoundFigures[]; ours: RoundFigures[] }): void {
  const show = (r: RoundFigures) =>
    `${r.perSecond.toFixed(0)}/s p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)}`;
  runs.raw.forEach((raw, i) => {
    const ours = runs.ours[i];
    console.log(
      `conc ${concurrency} round ${i + 1}: raw ${show(raw)} → ours ${show(ours)} (ratio ${(ours.perSecond / raw.perSecond).toFixed(2)})`,
    );
  });
}

/** Table headers matching `summaryRow`. */
export const SUMMARY_HEADERS = [
  'conc',
  'jobs',
  'raw/s',
  'ours/s',
  'ratio',
  'ratio spread',
  'kept',
  'raw p50',
  'ours p50',
  'raw p99',
  'ours p99',
];

/**
 * The noise guard over round pairs: keeps those whose raw figure is within NOISE_GUARD of the median raw figure,
 * with the median of their ours/raw ratios, its spread (min–max) and how many were kept.
 */
export function guardPairs<P>(pairs: P[], raw: (pair: P) => number, ours: (pair: P) => number) {
  const middle = median(pairs.map(raw));
  const kept = pairs.filter((pair) => Math.abs(raw(pair) - middle) <= NOISE_GUARD * middle);
  const ratios = kept.map((pair) => ours(pair) / raw(pair));
  return {
    kept,
    ratio: median(ratios),
    spread: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    keptText: `${kept.length}/${pairs.length}`,
  };
}

/** One table row over the round pairs the noise guard kept: median throughputs, ratio and spread, latencies. */
export function summaryRow(
  concurrency: number,
  jobs: number,
  runs: { raw: RoundFigures[]; ours: RoundFigures[] },
): Array<string | number> {
  const guard = guardPairs(
    runs.raw.map((raw, i) => ({ raw, ours: runs.ours[i] })),
    (pair) => pair.raw.perSecond,
    (pair) => pair.ours.perSecond,
  );
  const med = (pick: (pair: (typeof guard.kept)[number]) => number) => median(guard.kept.map(pick));
  return [
    concurrency,
    jobs,
    med((p) => p.raw.perSecond),
    med((p) => p.ours.perSecond),
    guard.ratio,
    guard.spread,
    guard.keptText,
    med((p) => p.raw.p50),
    med((p) => p.ours.p50),
    med((p) => p.raw.p99),
    med((p) => p.ours.p99),
  ];
}
