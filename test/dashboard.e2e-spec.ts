import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { UserApi } from './support/gateway';
import { AppProcess, startAppProcess } from './support/gateway-processes';

/** Debian's chromium package; a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = join(process.cwd(), 'test-output');

describe('Dashboard in headless Chromium (e2e, built service)', () => {
  const env = testEnv();
  let app: AppProcess;
  let browser: Browser;

  beforeAll(async () => {
    app = await startAppProcess(env, 'all');
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
    const erin = new UserApi(app.url, 'erin');
    await erin.workflow('wf-erin');
    const { key } = await erin.createKey(['read', 'execute']);
    const earlier = await erin.start(key, 'wf-erin', { delay_ms: 0 });

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

    // Records every status a row shows, as the page renders it.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { statusHistory: typeof seen }).statusHistory = seen;
      const record = () => {
        document.querySelectorAll('tr[data-execution-id]').forEach((row) => {
          const id = (row as HTMLElement).dataset.executionId as string;
          const status = row.querySelector('.status')?.textContent ?? '';
          const list = (seen[id] ??= []);
          if (list.at(-1) !== status) list.push(status);
        });
      };
      new MutationObserver(record).observe(document.querySelector('tbody') as Node, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });

    const live = await erin.start(key, 'wf-erin', {
      delay_ms: 2500,
      progress_steps: 5,
      log_lines: 3,
    });
    const status = page.locator(`tr[data-execution-id="${live}"] .status`);
    await status.filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 30_000 });

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard.png'), fullPage: true });

    const history = await page.evaluate(
      (id) => (window as unknown as { statusHistory: Record<string, string[]> }).statusHistory[id],
      live,
    );
    expect(history.at(-1)).toBe('COMPLETED');
    expect(['PENDING', 'RUNNING']).toContain(history[0]);
    expect(history).toContain('RUNNING');

    const row = await page.locator(`tr[data-execution-id="${live}"]`).innerText();
    expect(row).toContain(live.slice(0, 8));
    expect(row).toContain('wf-erin');
    expect(row).toContain('100%');
    expect(row).toContain('step 3 of 3');
    const text = await page.locator('body').innerText();
    expect(text).toContain('Live');
    expect(text).toContain(earlier.slice(0, 8));
    expect(problems).toEqual([]);
    await page.close();
  });
});
