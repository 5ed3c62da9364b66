import { Browser, chromium } from 'playwright-core';
import { TestApp, startTestApp } from './support/app';
import { expectError } from './support/envelope';
import {
  bearer,
  createKey,
  createKeyWithId,
  revokeKey,
  startRun,
  upsertWorkflow,
} from './support/fixtures';
import { openSse } from './support/sse';
import { waitFor } from './support/wait';

/** Debian's chromium package; a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const USER = 'stream-user';
const OTHER = 'stream-other';
const PROJECT = 'streamed-flow';

/** Runs in the page: follows the stream with EventSource until the final event. */
const FOLLOW = `(url) => new Promise((resolve, reject) => {
  const seen = [];
  const source = new EventSource(url);
  const timer = setTimeout(() => { source.close(); reject(new Error('no final event: ' + seen.join())); }, 30000);
  for (const type of ['snapshot', 'execution.started', 'execution.progress', 'execution.log', 'execution.completed']) {
    source.addEventListener(type, (event) => {
      seen.push(type);
      if (type === 'execution.completed') {
        clearTimeout(timer);
        source.close();
        resolve({ seen, last: JSON.parse(event.data) });
      }
    });
  }
})`;

/**
 * Runs in the page: follows the stream until the server ends it with an error event, then
 * until EventSource gives up reconnecting (its reconnection was refused).
 */
const FOLLOW_UNTIL_REFUSED = `(url) => new Promise((resolve, reject) => {
  const seen = (window.seen = []);
  const source = new EventSource(url);
  const timer = setTimeout(() => { source.close(); reject(new Error('not refused: ' + seen.join())); }, 30000);
  source.addEventListener('snapshot', () => seen.push('snapshot'));
  source.addEventListener('error', (event) => {
    if (event.data) seen.push(JSON.parse(event.data).error);
    else if (source.readyState === EventSource.CLOSED) {
      clearTimeout(timer);
      resolve(seen);
    }
  });
})`;

describe('Stream tokens (e2e, headless Chromium)', () => {
  let sut: TestApp;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    sut = await startTestApp({ SIM_DELAY_MS: '400' });
    key = await createKey(sut.http, USER, { scopes: ['read', 'execute'] });
    await upsertWorkflow(sut.http, USER, PROJECT);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.close();
  });

  const tokenFor = async (id: string, minter = key) => {
    const res = await sut.http
      .post(`/v1/executions/${id}/stream-token`)
      .set(bearer(minter))
      .expect(201);
    return res.body.data as {
      stream_token: string;
      expires_at: string;
      expires_in: number;
      events_url: string;
    };
  };

  it('should let a browser EventSource follow an execution to its end with a stream token', async () => {
    const page = await browser.newPage();
    await page.goto(`${sut.url}/health`);
    // Long enough for the browser to see it live.
    const id = await startRun(sut.http, key, PROJECT, { __sim: { delay_ms: 3000 } });
    const issued = await tokenFor(id);
    expect(issued.expires_in).toBe(60);
    expect(Date.parse(issued.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
    expect(issued.events_url).toBe(
      `/v1/executions/${id}/events?stream_token=${encodeURIComponent(issued.stream_token)}`,
    );

    try {
      const result = (await page.evaluate(`(${FOLLOW})(${JSON.stringify(issued.events_url)})`)) as {
        seen: string[];
        last: { execution_id: string; status: string };
      };
      expect(result.seen[0]).toBe('snapshot');
      expect(result.seen.at(-1)).toBe('execution.completed');
      expect(result.last).toMatchObject({ execution_id: id, status: 'COMPLETED' });
    } finally {
      await page.close();
    }
  });

  it('should open only the execution it was issued for', async () => {
    const first = await startRun(sut.http, key, PROJECT);
    const second = await startRun(sut.http, key, PROJECT);
    const { stream_token } = await tokenFor(first);
    const res = await sut.http
      .get(`/v1/executions/${second}/events`)
      .query({ stream_token })
      .expect(401);
    expect(res.body).toMatchObject({ error: 'UNAUTHENTICATED' });
    expect(res.body.msg).toContain('stream token');
  });

  it('should be no key: refused on every other route', async () => {
    const id = await startRun(sut.http, key, PROJECT);
    const { stream_token } = await tokenFor(id);
    await sut.http.get(`/v1/executions/${id}`).query({ stream_token }).expect(401);
    await sut.http.get(`/v1/executions/${id}`).set(bearer(stream_token)).expect(401);
    await sut.http.get(`/v1/executions/${id}/events`).set(bearer(stream_token)).expect(401);
    await sut.http.post(`/v1/executions/${id}/cancel`).query({ stream_token }).expect(401);
  });

  it('should refuse a forged or tampered token', async () => {
    const id = await startRun(sut.http, key, PROJECT);
    const { stream_token } = await tokenFor(id);
    const tampered = `${stream_token.slice(0, -2)}${stream_token.endsWith('AA') ? 'BB' : 'AA'}`;
    await sut.http.get(`/v1/executions/${id}/events`).query({ stream_token: tampered }).expect(401);
    await sut.http.get(`/v1/executions/${id}/events`).query({ stream_token: 'x' }).expect(401);
  });

  it("should not issue a token for another user's execution", async () => {
    const otherKey = await createKey(sut.http, OTHER);
    await upsertWorkflow(sut.http, OTHER, 'other-flow');
    const foreign = await startRun(sut.http, otherKey, 'other-flow');
    await sut.http.post(`/v1/executions/${foreign}/stream-token`).set(bearer(key)).expect(404);
  });

  it('should stream over plain HTTP too, as the token’s owner', async () => {
    const id = await startRun(sut.http, key, PROJECT);
    const { events_url } = await tokenFor(id);
    const reader = await openSse(`${sut.url}${events_url}`);
    expect(reader.status).toBe(200);
    await reader.waitFor(
      (r) => r.events.some((e) => e.event === 'execution.completed'),
      'the final event',
    );
    await reader.ended;
  });

  it('should refuse a token once the key that asked for it is revoked, as it refuses a forged one', async () => {
    const minter = await createKeyWithId(sut.http, USER);
    const id = await startRun(sut.http, key, PROJECT);
    const { stream_token } = await tokenFor(id, minter.key);
    await revokeKey(sut.http, USER, minter.id);

    const revoked = await sut.http.get(`/v1/executions/${id}/events`).query({ stream_token });
    const forged = await sut.http
      .get(`/v1/executions/${id}/events`)
      .query({ stream_token: `${stream_token.slice(0, -4)}AAAA` });
    expectError(revoked, 401, 'UNAUTHENTICATED');
    expect(revoked.body.msg).toBe(forged.body.msg);
  });

  it("should end a browser's stream when the key that asked for its token is revoked, and refuse its reconnection", async () => {
    const minter = await createKeyWithId(sut.http, USER);
    const id = await startRun(sut.http, key, PROJECT, { __sim: { delay_ms: 600_000 } });
    const { events_url } = await tokenFor(id, minter.key);
    const page = await browser.newPage();
    try {
      await page.goto(`${sut.url}/health`);
      const followed = page.evaluate(`(${FOLLOW_UNTIL_REFUSED})(${JSON.stringify(events_url)})`);
      // Awaited below; a failure before then must not surface as an unhandled rejection.
      followed.catch(() => undefined);
      // Polled from here: the page's CSP forbids the eval waitForFunction needs.
      await waitFor(() => page.evaluate('window.seen?.includes("snapshot")'), {
        what: 'the snapshot in the page',
        timeoutMs: 10_000,
      });
      await revokeKey(sut.http, USER, minter.id);
      expect(await followed).toEqual(['snapshot', 'UNAUTHENTICATED']);
    } finally {
      await page.close();
    }
  });
});
