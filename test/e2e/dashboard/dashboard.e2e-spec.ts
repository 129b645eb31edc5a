import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { waitFor } from '../../support/nest-app.js';
import { ARTIFACTS, launchChromium, type HeadlessChromium } from './browser.js';
import { DemoWithFastTick, serveApp, type ServedApp } from './dashboard-app.js';

const API_KEY = 'pnu_dashboardSecretKey123456';
const row = (page: Page, id: string) => page.locator(`tr[data-job-id="${id}"]`);

describe('dashboard in a real browser, on the demo app (memory queue, Prefect test server)', () => {
  let prefect: PrefectTestServer;
  let served: ServedApp;
  let chromium: HeadlessChromium;
  let page: Page;
  const saved = { ...process.env };

  beforeAll(async () => {
    prefect = await startPrefectTestServer({ auth: { apiKey: API_KEY } });
    served = await serveApp(DemoWithFastTick, {
      PREFECT_API_URL: prefect.url,
      PREFECT_API_KEY: API_KEY,
      HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS: '500',
    });
    chromium = await launchChromium();
    page = await chromium.page();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${served.origin}/scheduler`);
    await page.locator('tr[data-job-id]').first().waitFor();
    expect(errors).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await served?.close();
    await prefect?.stop();
    process.env = saved;
  });

  it("lists the jobs of the internal and queue tiers and the Prefect deployment, with each tier's health", async () => {
    await expect(row(page, 'internal:cache-cleanup').textContent()).resolves.toContain(
      'every hour, on the hour, UTC',
    );
    await expect(row(page, 'internal:secret-rotation-check').textContent()).resolves.toContain(
      'at 03:00, UTC',
    );
    await expect(row(page, 'queue:database-backup').textContent()).resolves.toMatch(/memory.*waiting 0/);
    await expect(row(page, 'queue:report-export').textContent()).resolves.toContain('on demand');
    const sweep = row(page, 'prefect:daily-code-sweep/prod');
    await expect(sweep.textContent()).resolves.toContain('at 02:00, Europe/Berlin');
    await expect(page.locator('#health').textContent()).resolves.toMatch(
      /internal: up.*queue: up.*prefect: up/,
    );
    const html = await page.content();
    const api = await (await fetch(`${served.origin}/scheduler/api/overview`)).text();
    for (const text of [html, api]) expect(text).not.toContain(API_KEY);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'main-view.png'), fullPage: true });
  });

  it('Trigger on an internal job shows its new run without a reload', async () => {
    const cache = row(page, 'internal:cache-cleanup');
    await expect(cache.textContent()).resolves.toContain('0 / 0');
    await page.evaluate('window.marker = 1');
    await cache.getByRole('button', { name: 'Trigger cache-cleanup now' }).click();
    await waitFor(async () => (await cache.textContent())!.includes('1 / 0'), 5000, 'the run in the row');
    await expect(cache.locator('.job-status').textContent()).resolves.toBe('succeeded');
    // Same document: the page was not reloaded.
    await expect(page.evaluate('window.marker')).resolves.toBe(1);
    await cache.getByRole('button', { name: 'Runs of cache-cleanup' }).click();
    await page.locator('#detail tr.run').first().waitFor();
    await expect(page.locator('#detail tr.run').first().textContent()).resolves.toContain('succeeded');
    await expect(page.locator('#detail tr.run').first().getAttribute('data-from')).resolves.toBe(
      'this process',
    );
    await expect(page.locator('#detail .engine-history').textContent()).resolves.toContain(
      'the internal tier keeps no runs outside this process',
    );
    // The demo has metrics enabled: a summary of the same job events, in the row and in the panel.
    await expect(cache.textContent()).resolves.toMatch(/p95 \d/);
    await expect(page.locator('#detail .metrics').textContent()).resolves.toMatch(
      /^Metrics \(last 1 finished here\): 0 failed attempt\(s\) · duration p50 \d.*, p95 \d.* · lateness p95 /,
    );
  });

  it('Pause shows the job paused and its next ticks as missed; Resume runs it again', async () => {
    const tick = row(page, 'internal:dashboard-tick');
    await tick.getByRole('button', { name: 'Pause dashboard-tick' }).click();
    await waitFor(async () => (await tick.locator('.job-status').textContent()) === 'paused', 5000, 'paused');
    await tick.getByRole('button', { name: 'Runs of dashboard-tick' }).click();
    await waitFor(
      async () =>
        (await page.locator('#detail tr.run').allTextContents()).filter((t) => t.includes('missed')).length >=
        2,
      6000,
      'two missed ticks in the runs table',
    );
    await expect(page.locator('#detail tr.run').first().textContent()).resolves.toContain('job is paused');
    await expect(tick.getByRole('button', { name: 'Resume dashboard-tick' }).isVisible()).resolves.toBe(true);
    await tick.getByRole('button', { name: 'Resume dashboard-tick' }).click();
    await waitFor(
      async () => (await page.locator('#detail tr.run').first().textContent())!.includes('succeeded'),
      5000,
      'a run after resume',
    );
  });

  it("a failing workflow's dead letter appears, its <script> payload shown as text, and Retry re-enqueues it", async () => {
    const hostile = '<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>';
    const { id } = await served.scheduler.enqueueWorkflow('report-export', {
      report: hostile,
      format: 'csv',
      simulateOutage: true,
    });
    const workflow = row(page, 'queue:report-export');
    await workflow.getByRole('button', { name: 'Runs of report-export' }).click();
    const letter = page.locator(`tr.dead-letter[data-dead-letter-id="${id}"]`);
    await letter.waitFor({ timeout: 10_000 });
    await expect(letter.locator('pre.payload').textContent()).resolves.toContain(hostile);
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined();
    await expect(page.locator('#detail img').count()).resolves.toBe(0);
    await expect(workflow.textContent()).resolves.toContain('dead 1');

    const startedBefore = (await served.scheduler.deadLetters('report-export')).length;
    expect(startedBefore).toBe(1);
    await letter.getByRole('button', { name: `Retry ${id}` }).click();
    await waitFor(
      () =>
        page
          .locator('#toast')
          .textContent()
          .then((t) => t!.includes('re-enqueued as')),
      5000,
      'the toast',
    );
    // The retried job runs again (three attempts) and dead-letters again: new runs appear live.
    await waitFor(
      async () =>
        (await page.locator('#detail tr.run').allTextContents()).filter((t) => t.includes('dead-lettered'))
          .length >= 2,
      10_000,
      'the second dead-lettering of the retried job',
    );
    await letter.waitFor();
  });

  it("links the Prefect deployment's flow runs to the Prefect UI", async () => {
    const sweep = row(page, 'prefect:daily-code-sweep/prod');
    await sweep.getByRole('button', { name: 'Runs of daily-code-sweep/prod' }).click();
    const link = page.locator('#detail a[href*="/runs/flow-run/"]').first();
    await link.waitFor();
    const ui = prefect.url.replace(/\/api$/, '');
    await expect(link.getAttribute('href')).resolves.toMatch(new RegExp(`^${ui}/runs/flow-run/[0-9a-f-]+$`));
    await expect(page.locator('#detail .engine-history').textContent()).resolves.toContain('kept by prefect');
  });

  it('opens the runs panel of an on-demand deployment (no upcoming runs) with nothing left over', async () => {
    const ml = row(page, 'prefect:ml-pipeline/prod');
    await ml.getByRole('button', { name: 'Runs of ml-pipeline/prod' }).click();
    await waitFor(
      async () => (await page.locator('#detail-body').innerText()).includes('prefect:ml-pipeline/prod'),
      5000,
      'the panel of ml-pipeline/prod',
    );
    // An absent "next runs" list once rendered as the text "null".
    await expect(page.locator('#detail-body').innerText()).resolves.not.toMatch(/\bnull\b/);
  });

  it('shows a flow run once, though both this process and Prefect keep it', async () => {
    const sweep = row(page, 'prefect:daily-code-sweep/prod');
    const ref = await served.scheduler.runDeployment('daily-code-sweep/prod', {});
    await waitFor(
      () => prefect.flowRuns().find((r) => r.id === ref.flowRunId)?.state?.type === 'COMPLETED',
      15_000,
      'the flow run completed',
    );
    await sweep.getByRole('button', { name: 'Runs of daily-code-sweep/prod' }).click();
    const run = page.locator(`#detail tr.run[data-run-id="${ref.flowRunId}"]`);
    await run.waitFor({ timeout: 10_000 });
    // This process ran it too: its own row (with every attempt) stands for it, once.
    await expect(page.locator(`#detail tr.run[data-run-id="${ref.flowRunId}"]`).count()).resolves.toBe(1);
    await expect(run.textContent()).resolves.toContain('succeeded');
  });

  it("keeps a screenshot of the main view with a workflow's runs and dead letters open", async () => {
    await row(page, 'queue:report-export').getByRole('button', { name: 'Runs of report-export' }).click();
    await page.locator('#detail tr.dead-letter').first().waitFor();
    await page.locator('#detail svg.chart').waitFor();
    await page.evaluate("document.getElementById('toast').textContent = ''");
    await page.screenshot({ path: join(ARTIFACTS, 'main-view-with-runs.png'), fullPage: true });
  });

  it("works with the keyboard: filter, open a job's runs, trigger, close with Escape", async () => {
    const focused = () =>
      page.evaluate<string>('document.activeElement.getAttribute("aria-label") || document.activeElement.id');
    await page.locator('#filter-search').focus();
    await page.keyboard.type('cache-clean');
    await waitFor(async () => (await page.locator('tr[data-job-id]').count()) === 1, 2000, 'one row left');
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('Runs of cache-cleanup');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await focused()) === 'detail-title', 3000, 'focus on the runs panel');
    const before = (await served.scheduler.getJob('internal:cache-cleanup')).runs;
    await page.locator('[data-focus="trigger:internal:cache-cleanup"]').focus();
    await page.keyboard.press('Space');
    await waitFor(
      async () => (await served.scheduler.getJob('internal:cache-cleanup')).runs === before + 1,
      3000,
      'the run',
    );
    await expect(focused()).resolves.toBe('Trigger cache-cleanup now');
    await page.keyboard.press('Escape');
    await expect(page.locator('#detail').isHidden()).resolves.toBe(true);
    await expect(focused()).resolves.toBe('Runs of cache-cleanup');
    await page.locator('#filter-search').fill('');
  });

  it('is readable at phone width', async () => {
    const phone = await chromium.page({ width: 390, height: 844 });
    await phone.goto(`${served.origin}/scheduler`);
    await phone.locator('tr[data-job-id]').first().waitFor();
    const width = await phone.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(ARTIFACTS, 'phone-view.png') });
    await phone.close();
  });
});
