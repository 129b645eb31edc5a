import { waitFor } from '../../support/nest-app.js';
import { DemoWithFastTick, serveApp, type ServedApp } from './dashboard-app.js';
import { FIREFOX, hasFirefox, launchFirefox, type HeadlessFirefox } from './firefox-bidi.js';

// `.ci/run` installs Debian's firefox-esr; on a machine without it this smoke test is skipped, saying why.
const inFirefox = hasFirefox() ? describe : describe.skip;
if (!hasFirefox())
  console.warn(`dashboard Firefox smoke test skipped: no Firefox at ${FIREFOX} (FIREFOX_PATH)`);

inFirefox('dashboard in Firefox (headless ESR over WebDriver BiDi), on the demo app', () => {
  let served: ServedApp;
  let firefox: HeadlessFirefox;
  const rowText = (id: string) =>
    firefox.evaluate<string | null>(`document.querySelector('tr[data-job-id="${id}"]')?.textContent ?? null`);

  beforeAll(async () => {
    served = await serveApp(DemoWithFastTick);
    firefox = await launchFirefox();
  }, 60_000);
  afterAll(async () => {
    await firefox?.close();
    await served?.close();
  });

  it('loads the page, lists the jobs, and a Trigger shows the new run without a reload', async () => {
    await firefox.goto(`${served.origin}/scheduler`);
    await waitFor(async () => (await rowText('internal:cache-cleanup')) !== null, 10_000, 'the jobs table');
    await expect(rowText('internal:cache-cleanup')).resolves.toContain('every hour, on the hour, UTC');
    await expect(rowText('queue:database-backup')).resolves.toMatch(/memory.*waiting 0/);
    await firefox.evaluate(`(window.marker = 1)`);
    await firefox.evaluate(`document.querySelector('[aria-label="Trigger cache-cleanup now"]').click()`);
    await waitFor(
      async () => (await rowText('internal:cache-cleanup'))!.includes('1 / 0'),
      10_000,
      'the run in the row',
    );
    await expect(firefox.evaluate('window.marker')).resolves.toBe(1);
    await expect(firefox.evaluate(`document.getElementById('live').textContent`)).resolves.toBe('live');
    expect(firefox.errors).toEqual([]);
  });
});
