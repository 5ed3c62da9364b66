import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { postWebhook } from './webhook-http';
import { BlockedTargetError } from './webhook-target';

describe(postWebhook.name, () => {
  let server: Server;
  let port: number;
  const seen: Array<{ host?: string; body: string; signature?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          host: req.headers.host,
          body,
          signature: req.headers['x-rpa-signature'] as string | undefined,
        });
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/ok' }).end();
        } else if (req.url === '/slow') {
          setTimeout(() => res.writeHead(200).end('late'), 2000);
        } else {
          res.writeHead(req.url === '/fail' ? 500 : 200).end('x'.repeat(2000));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const post = (path: string, extra: Partial<Parameters<typeof postWebhook>[0]> = {}) =>
    postWebhook({
      url: `http://127.0.0.1:${port}${path}`,
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/json', 'X-RPA-Signature': 't=1,v1=00' },
      timeoutMs: 5000,
      allowPrivate: true,
      ...extra,
    });

  it('should POST the body with its headers and return the status and an excerpt', async () => {
    const sut = await post('/ok');
    expect(sut.statusCode).toBe(200);
    expect(sut.excerpt.length).toBe(512);
    expect(seen.at(-1)).toMatchObject({ body: '{"a":1}', signature: 't=1,v1=00' });
  });

  it('should report a 5xx and not follow a redirect', async () => {
    expect((await post('/fail')).statusCode).toBe(500);
    const before = seen.length;
    expect((await post('/redirect')).statusCode).toBe(302);
    expect(seen.length).toBe(before + 1);
  });

  it('should give up after the timeout', async () => {
    await expect(post('/slow', { timeoutMs: 200 })).rejects.toThrow('No answer within 200 ms');
  });

  it('should connect to the vetted address, keeping the name as Host', async () => {
    const lookupAll = vi.fn(async () => [{ address: '127.0.0.1', family: 4 }]);
    const sut = await post('/ok', {
      url: `http://hooks.test:${port}/ok`,
      lookupAll,
    });
    expect(sut.statusCode).toBe(200);
    expect(lookupAll).toHaveBeenCalledWith('hooks.test');
    expect(seen.at(-1)?.host).toBe(`hooks.test:${port}`);
  });

  it('should refuse a private target when the guard is on, without connecting', async () => {
    const before = seen.length;
    await expect(post('/ok', { allowPrivate: false })).rejects.toThrow(BlockedTargetError);
    expect(seen.length).toBe(before);
  });
});
