import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { TestExecutor } from './support/executor';
import { createKey, startRun, upsertWorkflow } from './support/fixtures';
import { NodeProcess, spawnApi } from './support/process';

/** Debian's chromium package; a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = join(process.cwd(), 'test-output');

/** Runs in the page: records every status each row shows, as the page renders it. */
const RECORD_STATUSES = `(() => {
  const seen = (window.statusHistory = {});
  const record = () => {
    for (const row of document.querySelectorAll('tr[data-execution-id]')) {
      const list = (seen[row.dataset.executionId] ??= []);
      const status = row.querySelector('.status')?.textContent ?? '';
      if (list.at(-1) !== status) list.push(status);
    }
  };
  new MutationObserver(record).observe(document.querySelector('tbody'), {
    subtree: true,
    childList: true,
    characterData: true,
  });
})()`;

describe('Dashboard in headless Chromium (e2e, built service)', () => {
  const env = testEnv();
  let app: NodeProcess;
  let browser: Browser;

  beforeAll(async () => {
    app = await spawnApi(env, { role: 'all' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await dropTestResources(env);
  });

  it('should list recent executions and show a new one go live from PENDING/RUNNING to COMPLETED', async () => {
    await upsertWorkflow(app.url, 'erin', 'wf-erin', { name: 'Monthly invoices' });
    const key = await createKey(app.url, 'erin', { scopes: ['read', 'execute'] });
    const earlier = await startRun(app.url, key, 'wf-erin', { n: 1, __sim: { delay_ms: 0 } });

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    await page.goto(`${app.url}/dashboard?key=${encodeURIComponent(key)}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
    // The key leaves the address bar at once.
    expect(page.url()).toBe(`${app.url}/dashboard`);
    await page
      .locator(`tr[data-execution-id="${earlier}"] .status`)
      .filter({ hasText: 'COMPLETED' })
      .waitFor({ timeout: 20_000 });

    await page.evaluate(RECORD_STATUSES);

    const live = await startRun(app.url, key, 'wf-erin', {
      n: 1,
      __sim: { delay_ms: 2500, progress_steps: 5, log_lines: 3 },
    });
    const status = page.locator(`tr[data-execution-id="${live}"] .status`);
    await status.filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 30_000 });

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard.png'), fullPage: true });

    const history = (await page.evaluate(
      `window.statusHistory[${JSON.stringify(live)}]`,
    )) as string[];
    expect(history.at(-1)).toBe('COMPLETED');
    expect(['PENDING', 'RUNNING']).toContain(history[0]);
    expect(history).toContain('RUNNING');

    const row = await page.locator(`tr[data-execution-id="${live}"]`).innerText();
    expect(row).toContain(live.slice(0, 8));
    expect(row).toContain('Monthly invoices');
    expect(row).not.toContain('wf-erin');
    expect(row).toContain('100%');
    expect(row).toContain('step 3 of 3');
    const text = await page.locator('body').innerText();
    expect(text).toContain('Live');
    expect(text).toContain(earlier.slice(0, 8));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('should show why a run failed, and the name of a workflow created after the page loaded', async () => {
    const key = await createKey(app.url, 'fred', { scopes: ['read', 'execute'] });
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard?key=${encodeURIComponent(key)}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });

    await upsertWorkflow(app.url, 'fred', 'wf-fred', { name: 'Supplier check' });
    const failed = await startRun(app.url, key, 'wf-fred', {
      __sim: { delay_ms: 300, fail: 'The supplier portal refused the login' },
    });
    const row = page.locator(`tr[data-execution-id="${failed}"]`);
    await row.locator('.status').filter({ hasText: 'FAILED' }).waitFor({ timeout: 30_000 });
    await row.locator('.reason').filter({ hasText: 'refused the login' }).waitFor();
    await row.locator('td.project').filter({ hasText: 'Supplier check' }).waitFor();
    await page.close();
  });

  it("should show the user's executors as they connect and leave", async () => {
    const key = await createKey(app.url, 'ivan', { scopes: ['read', 'execute'] });
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard?key=${encodeURIComponent(key)}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
    await page.locator('#executors-summary').filter({ hasText: 'No executor' }).waitFor();

    const executor = await TestExecutor.connect(app.url, { key });
    const item = page.locator('#executors li');
    await item.filter({ hasText: 'idle' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#executors-summary').innerText()).toBe('1 executor connected');

    executor.close();
    await page.locator('#executors-summary').filter({ hasText: 'No executor' }).waitFor({
      timeout: 20_000,
    });
    expect(await item.count()).toBe(0);
    await page.close();
  });
});
