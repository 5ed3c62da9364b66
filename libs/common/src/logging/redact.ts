/** Query parameters that carry credentials and must never reach a log line. */
const SECRET_QUERY = /([?&](?:key|api_key|apikey|token|access_token|stream_token)=)[^&#]*/gi;

export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[REDACTED]');
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
