import { LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LookupFunction } from 'node:net';
import { withTimeout } from '@app/common';
import { LookupAll, hostOf, resolveTarget } from './webhook-target';

export interface WebhookPost {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  lookupAll?: LookupAll;
}

export interface WebhookAnswer {
  statusCode: number;
  /** The first bytes of the body (at most EXCERPT_BYTES). */
  excerpt: string;
}

const EXCERPT_BYTES = 512;

/**
 * POSTs one delivery. The host is resolved and vetted first (webhook-target.ts) and the socket
 * connects to that vetted address through a custom `lookup`, so a second DNS answer is never
 * used. Redirects are not followed (a 3xx is just a non-2xx answer). The whole exchange, DNS
 * included, is bounded by `timeoutMs`. Rejects with BlockedTargetError or a transport error.
 */
export async function postWebhook(post: WebhookPost): Promise<WebhookAnswer> {
  const url = new URL(post.url);
  const abort = new AbortController();
  const exchange = async () => {
    const target = await resolveTarget(url, post.allowPrivate, post.lookupAll);
    // Past the deadline already: connect nowhere.
    abort.signal.throwIfAborted();
    return send(url, target, post, abort.signal);
  };
  try {
    return await withTimeout(exchange(), post.timeoutMs);
  } finally {
    abort.abort();
  }
}

function send(
  url: URL,
  target: LookupAddress,
  post: WebhookPost,
  signal: AbortSignal,
): Promise<WebhookAnswer> {
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [target]);
    else callback(null, target.address, target.family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: url.protocol,
        hostname: hostOf(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...post.headers, 'Content-Length': String(Buffer.byteLength(post.body)) },
        lookup,
        agent: false,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          resolve({
            statusCode: res.statusCode ?? 0,
            excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
          });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) finish();
        });
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    req.on('error', reject);
    req.end(post.body);
  });
}
