import type { Request } from 'express';

export type McpKey = { key: string } | { problem: string };

const headerValues = (req: Request, name: string): string[] => {
  const value = req.headers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.trim());
};

/**
 * The one API key of an MCP request: `Authorization: Bearer`, `X-API-Key`, or `?key=` when
 * allowed. Several keys, an empty one or another Authorization scheme are refused rather
 * than guessed between.
 */
export function mcpApiKey(req: Request, allowQueryKey: boolean): McpKey {
  const keys: string[] = [];
  const authorization = headerValues(req, 'authorization');
  if (authorization.length > 1) return { problem: 'Send one Authorization header' };
  if (authorization.length === 1) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization[0])?.[1];
    if (!bearer) return { problem: 'The Authorization header must be "Bearer <api key>"' };
    keys.push(bearer);
  }
  const apiKey = headerValues(req, 'x-api-key');
  if (apiKey.length > 1 || apiKey[0] === '') return { problem: 'Send one non-empty X-API-Key' };
  keys.push(...apiKey);
  const query = req.query.key;
  if (query !== undefined) {
    if (!allowQueryKey) {
      return {
        problem:
          'API keys in the URL (?key=) are disabled on this server; send "Authorization: Bearer <api key>"',
      };
    }
    if (typeof query !== 'string' || !query.trim()) return { problem: 'Send one non-empty ?key=' };
    keys.push(query.trim());
  }
  if (keys.length === 0) {
    return {
      problem:
        'Missing API key: send "Authorization: Bearer <api key>" or "X-API-Key: <api key>"' +
        (allowQueryKey ? ', or add ?key=<api key> to the MCP URL' : ''),
    };
  }
  if (keys.length > 1) return { problem: 'Send exactly one API key (header or URL, not both)' };
  return { key: keys[0] };
}
