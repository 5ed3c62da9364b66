import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { waitFor } from './wait';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the whole body had arrived. */
  receivedAt: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves with the requests once at least `count` have arrived (polls; generous deadline). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Sets the status answered to the n-th request (1-based) from now on. */
  respondWith(status: (n: number) => number): void;
  close(): Promise<void>;
}

/** A plain HTTP server on loopback that records what it receives (a webhook target). */
export async function startReceiver(status: (n: number) => number = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let answer = status;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      });
      res.writeHead(answer(requests.length), { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    async waitFor(count, timeoutMs = 30_000) {
      await waitFor(() => requests.length, {
        what: `${count} requests at the webhook receiver`,
        accept: (received) => received >= count,
        timeoutMs,
        intervalMs: 20,
      });
      return requests;
    },
    respondWith(next) {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
