import { io, Socket } from 'socket.io-client';
import { TestApp, startTestApp } from './support/app';

describe('Socket.IO and expiring keys (e2e)', () => {
  let sut: TestApp;
  let socket: Socket | undefined;

  beforeAll(async () => {
    sut = await startTestApp();
  });
  afterAll(async () => {
    socket?.disconnect();
    await sut?.close();
  });

  it('should disconnect a socket when its API key expires', async () => {
    const expiresAt = new Date(Date.now() + 2000);
    const key = (
      await sut.http
        .post('/api-keys')
        .set('X-User-Id', 'expiring-user')
        .send({ name: 'short-lived', expires_at: expiresAt.toISOString() })
        .expect(201)
    ).body.data.api_key as string;

    socket = io(`${sut.url}/executions`, {
      auth: { token: key },
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket?.once('connect', () => resolve());
      socket?.once('connect_error', reject);
    });
    const reason = await new Promise<string>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('not disconnected within 15 s')), 15_000);
      socket?.once('disconnect', (why) => {
        clearTimeout(deadline);
        resolve(why);
      });
    });

    expect(reason).toBe('io server disconnect');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    // And it cannot come back.
    const again = io(`${sut.url}/executions`, {
      auth: { token: key },
      transports: ['websocket'],
      reconnection: false,
    });
    const refusal = await new Promise<Error>((resolve) => again.once('connect_error', resolve));
    again.disconnect();
    expect(refusal.message).toBe('UNAUTHENTICATED');
  });
});
