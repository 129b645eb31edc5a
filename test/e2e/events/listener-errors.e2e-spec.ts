import { runToExit } from '../../support/run-to-exit.js';

/**
 * test/fixtures/listener-app in a child process (needs `npm run -s build`): listeners that throw on every event
 * of a job running every 200 ms. rxjs rethrows such errors as uncaught exceptions, which would end the process.
 */
describe('a job event listener that throws', () => {
  it('is logged once per listener while the process, the job and the other listeners keep going', async () => {
    const result = await runToExit('dist/test/fixtures/listener-app/main.js', { RUN_MS: '1500' });
    const output = result.stdout + result.stderr;
    expect({
      code: result.code,
      signal: result.signal,
      crashed: /^Node\.js v\d+/m.test(output),
    }).toEqual({
      code: 0,
      signal: null,
      crashed: false,
    });
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as { runs: number; seen: number };
    expect(summary.runs).toBeGreaterThanOrEqual(5);
    // The healthy listener saw every run that succeeded (started before it at most one less).
    expect(summary.seen).toBeGreaterThanOrEqual(summary.runs - 1);
    const lines = (pattern: RegExp) => output.split('\n').filter((line) => pattern.test(line));
    expect(
      lines(
        /Job event listener "buggyListener" threw on a "\w+" event of internal:tick: bug in an onJobEvent listener/,
      ),
    ).toHaveLength(1);
    expect(
      lines(/Job event listener #\d+ threw on a "\w+" event of internal:tick: bug in an events\$ subscriber/),
    ).toHaveLength(1);
    expect(
      lines(/Job event subscriber #\d+ ended with an error it does not handle: bug in an operator/),
    ).toHaveLength(1);
  }, 30_000);
});
