import { TestApp, startTestApp } from './support/app';
import { createKey } from './support/fixtures';
import { LiveClient } from './support/live-events';
import { waitFor } from './support/wait';

describe('Socket.IO and expiring keys (e2e)', () => {
  let sut: TestApp;
  let client: LiveClient | undefined;

  beforeAll(async () => {
    sut = await startTestApp();
  });
  afterAll(async () => {
    client?.close();
    await sut?.close();
  });

  it('should disconnect a socket when its API key expires', async () => {
    const expiresAt = new Date(Date.now() + 2000);
    const key = await createKey(sut.http, 'expiring-user', {
      name: 'short-lived',
      expires_at: expiresAt.toISOString(),
    });

    client = await LiveClient.connect(sut.url, { token: key });
    await waitFor(() => client?.disconnectedAt, {
      what: 'the socket to be disconnected',
      timeoutMs: 15_000,
    });

    expect(client.disconnectReason).toBe('io server disconnect');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    // And it cannot come back.
    const refusal = await LiveClient.refusal(sut.url, { token: key });
    expect(refusal.message).toBe('UNAUTHENTICATED');
  });
});
