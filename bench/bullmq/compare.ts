// The BullMQ bench's comparison: raw and ours in alternating rounds, per-round figures, then medians over the
// round pairs the noise guard kept.
import { median, printTable } from '../stats.js';
import type { RoundFigures } from '../rounds.js';
import type { SerialFigures } from './one-job-at-a-time.js';

/** A round pair whose raw figure is further than this from the median raw figure is discarded. */
export const NOISE_GUARD = 0.3;
export const NOISE_GUARD_TEXT = `noise guard: round pairs whose raw figure is > ${NOISE_GUARD * 100} % from the median raw are dropped (kept column)`;

/** Raw and ours alternate (the first side of a round alternates too, so neither always runs warm). */
export async function alternating<F>(rounds: number, raw: () => Promise<F>, ours: () => Promise<F>) {
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

/** Keeps the pairs whose raw figure is within NOISE_GUARD of the median raw figure; ratio = ours / raw. */
export function guarded<T>(pairs: Array<{ raw: number; ours: number; extra: T }>) {
  const middle = median(pairs.map((p) => p.raw));
  const kept = pairs.filter((p) => Math.abs(p.raw - middle) <= NOISE_GUARD * middle);
  const ratios = kept.map((p) => p.ours / p.raw);
  return {
    kept,
    ratio: median(ratios),
    spread: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    keptText: `${kept.length}/${pairs.length}`,
  };
}

export type Runs = { raw: RoundFigures[]; ours: RoundFigures[] };

/** Prints the rounds of one concurrency (raw → ours jobs/s) and returns its table row. */
export function throughputRow(concurrency: number, jobs: number, runs: Runs): Array<string | number> {
  const pairs = runs.raw.map((raw, i) => ({ raw: raw.perSecond, ours: runs.ours[i].perSecond, extra: i }));
  console.log(
    `conc ${concurrency} rounds (raw → ours jobs/s): ` +
      pairs.map((p) => `${p.raw.toFixed(0)} → ${p.ours.toFixed(0)}`).join(', '),
  );
  const guard = guarded(pairs);
  const med = (side: RoundFigures[], pick: (r: RoundFigures) => number) =>
    median(guard.kept.map((p) => pick(side[p.extra])));
  return [
    concurrency,
    jobs,
    med(runs.raw, (r) => r.perSecond),
    med(runs.ours, (r) => r.perSecond),
    guard.ratio,
    guard.spread,
    guard.keptText,
    med(runs.raw, (r) => r.p50),
    med(runs.ours, (r) => r.p50),
    med(runs.raw, (r) => r.p99),
    med(runs.ours, (r) => r.p99),
    med(runs.ours, (r) => r.p99) - med(runs.raw, (r) => r.p99),
  ];
}

export function printThroughput(caption: string, rows: Array<Array<string | number>>): void {
  console.log(`\n${caption}; ${NOISE_GUARD_TEXT}`);
  printTable(
    [
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
      'Δp99',
    ],
    rows,
  );
}

/** One row per round and the medians (no guard: latency, not throughput, is compared here). */
export function printSerial(
  caption: string,
  rounds: Array<{ raw: SerialFigures; ours: SerialFigures }>,
): void {
  console.log(`\n${caption}`);
  const rows = rounds.map(({ raw, ours }, i) => [
    i + 1,
    raw.p50,
    ours.p50,
    raw.p99,
    ours.p99,
    ours.p99 - raw.p99,
  ]);
  const column = (i: number) => median(rows.map((row) => row[i]));
  printTable(
    ['round', 'raw p50', 'ours p50', 'raw p99', 'ours p99', 'Δp99'],
    [...rows, ['median', column(1), column(2), column(3), column(4), column(5)]],
  );
}
