import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { createValidationPipe } from '@app/common';
import { TestApp, startTestApp } from './support/app';

/** Debian's chromium package; a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};
type Document = {
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { schema: Schema; example?: unknown }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

/** The body Swagger UI fills "Try it out" with: every property, from its example or its type. */
function sample(schema: Schema, doc: Document): unknown {
  if (schema.$ref) return sample(doc.components.schemas[schema.$ref.split('/').pop()!], doc);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const first = schema.allOf?.[0] ?? schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (first) return sample(first, doc);
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time'
        ? new Date(Date.now() + 86_400_000).toISOString()
        : schema.format === 'uuid'
          ? '3fa85f64-5717-4562-b3fc-2c963f66afa6'
          : schema.format === 'uri'
            ? 'https://example.com/'
            : 'string';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return true;
    case 'array':
      return schema.items ? [sample(schema.items, doc)] : [];
    default: {
      if (!schema.properties) return schema.additionalProperties ? { additionalProp1: {} } : {};
      return Object.fromEntries(
        Object.entries(schema.properties).map(([name, prop]) => [name, sample(prop, doc)]),
      );
    }
  }
}

type DtoClass = new () => object;

/** Every request DTO class of the API, by the schema name Swagger gives it (the class name). */
async function loadDtoClasses(): Promise<Map<string, DtoClass>> {
  const root = join(__dirname, '../apps/api/src');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) =>
    /(^|\/)dto\/[^/]+\.ts$/.test(file),
  );
  const classes = new Map<string, DtoClass>();
  for (const file of files) {
    const exports = (await import(join(root, file))) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if (typeof value === 'function') classes.set(value.name, value as DtoClass);
    }
  }
  return classes;
}

describe('API docs (e2e)', () => {
  let sut: TestApp;
  let doc: Document;

  beforeAll(async () => {
    sut = await startTestApp();
    doc = (await sut.http.get('/openapi.json').expect(200)).body as Document;
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('should answer GET / with the links, and send browsers to /docs', async () => {
    const json = await sut.http.get('/').expect(200);
    expect(json.body).toMatchObject({
      code: '0000',
      data: { links: { docs: '/docs', redoc: '/redoc', openapi: '/openapi.json' } },
    });
    const browser = await sut.http.get('/').set('Accept', 'text/html').expect(302);
    expect(browser.headers.location).toBe('/docs');
  });

  it('should document request bodies whose examples pass the route’s own validation', async () => {
    const pipe = createValidationPipe();
    const dtoClasses = await loadDtoClasses();
    const checked: string[] = [];
    const failures: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const media = operation.requestBody?.content?.['application/json'];
        // JSON-RPC (POST /mcp): documented inline, validated by the MCP SDK rather than a DTO.
        if (!media || path.endsWith('/mcp')) continue;
        const name = media.schema.$ref?.split('/').pop();
        const dto = name ? dtoClasses.get(name) : undefined;
        if (!dto) {
          failures.push(
            `${method.toUpperCase()} ${path}: no DTO class for ${name ?? 'an inline schema'}`,
          );
          continue;
        }
        const body = media.example ?? sample(media.schema, doc);
        checked.push(`${method.toUpperCase()} ${path}`);
        await pipe.transform(body, { type: 'body', metatype: dto }).catch((err: unknown) => {
          const detail = (err as Error).message;
          failures.push(`${method.toUpperCase()} ${path} ${JSON.stringify(body)}: ${detail}`);
        });
      }
    }
    expect(failures).toEqual([]);
    expect(checked.length).toBeGreaterThan(5);
  });

  it('should document X-User-Id only on routes that take a trusted user', async () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations) as [
        string,
        { parameters?: Array<{ name: string; in: string }>; security?: unknown },
      ][]) {
        const documented = (operation.parameters ?? []).some(
          (p) => p.in === 'header' && p.name === 'X-User-Id',
        );
        if (!documented) continue;
        // Probed for real: a trusted user id on a route that refuses it answers 401.
        const res = await fetch(`${sut.url}${path.replace(/\{[^}]+\}/g, 'x')}`, {
          method: method.toUpperCase(),
          headers: { 'X-User-Id': 'docs-probe', 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        expect.soft(res.status, `${method.toUpperCase()} ${path}`).not.toBe(401);
      }
    }
  });

  it('should serve ReDoc at /redoc without fetching anything from another origin', async () => {
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      // The page's CSP stops ReDoc's one CDN reference (its logo) before it leaves the browser.
      page.on('requestfinished', (request) => {
        const url = request.url();
        if (!url.startsWith(sut.url) && !/^(data|blob):/.test(url)) elsewhere.push(url);
      });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${sut.url}/redoc`);
      await page.waitForSelector('text=RPA OpenAPI Service', { timeout: 60_000 });
      await page.waitForFunction("document.body.textContent.includes('Start an execution')", {
        timeout: 60_000,
      });
      expect(elsewhere).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
