/** Query parameters that carry credentials and must never reach a log line. */
const SECRET_NAMES = new Set(['key', 'api_key', 'apikey', 'token', 'access_token', 'stream_token']);

/** A query name as the query parser reads it: `%6bey` and `k%65y` are `key`. */
function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function redactPart(part: string): string {
  const eq = part.indexOf('=');
  const name = decodeName(eq < 0 ? part : part.slice(0, eq));
  // `?key%3Dsecret` has no value: its name carries the secret.
  const inner = name.indexOf('=');
  if (inner >= 0 && SECRET_NAMES.has(name.slice(0, inner).trim().toLowerCase())) {
    return '[REDACTED]';
  }
  if (eq < 0 || !SECRET_NAMES.has(name.trim().toLowerCase())) return part;
  return `${part.slice(0, eq)}=[REDACTED]`;
}

/** The URL with the value of every credential parameter hidden, however its name is encoded. */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const query = url
    .slice(q + 1, end)
    .split('&')
    .map(redactPart)
    .join('&');
  return `${url.slice(0, q + 1)}${query}${url.slice(end)}`;
}

/** pino redact paths: headers that carry credentials, wherever a log line includes them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.Authorization',
  'authorization',
  'Authorization',
  'res.headers["set-cookie"]',
  'api_key',
  'apiKey',
  'token',
  'secret',
  '*.api_key',
  '*.apiKey',
  '*.token',
  '*.secret',
];
