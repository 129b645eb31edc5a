// The BullMQ bench's comparison: raw and ours in alternating rounds, per-round figures, then medians over the
// round pairs the noise guard kept.
import { median, printTable } from '../stats.js';
import { NOISE_GUARD_TEXT, printRounds, summaryRow, SUMMARY_HEADERS, type RoundFigures } from '../rounds.js';
import type { SerialFigures } from './one-job-at-a-time.js';

export type Runs = { raw: RoundFigures[]; ours: RoundFigures[] };

/** Prints the rounds of one concurrency and returns its table row (rounds.ts' summary row and Δp99). */
export function throughputRow(concurrency: number, jobs: number, runs: Runs): Array<string | number> {
  printRounds(concurrency, runs);
  const row = summaryRow(concurrency, jobs, runs);
  const p99 = (header: string) => row[SUMMARY_HEADERS.indexOf(header)] as number;
  return [...row, p99('ours p99') - p99('raw p99')];
}

export function printThroughput(caption: string, rows: Array<Array<string | number>>): void {
  console.log(`\n${caption}; ${NOISE_GUARD_TEXT}`);
  printTable([...SUMMARY_HEADERS, 'Δp99'], rows);
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
