import type { Request } from 'express';
import { UNMATCHED, routeLabel } from './http-metrics.middleware';

const req = (originalUrl: string, route?: string, baseUrl = ''): Request =>
  ({
    originalUrl,
    url: originalUrl,
    baseUrl,
    route: route ? { path: route } : undefined,
  }) as Request;

describe(routeLabel.name, () => {
  it('should use the matched route pattern, never the raw URL', () => {
    expect(routeLabel(req('/executions/4f1c?x=1', '/executions/:id'))).toBe('/executions/:id');
  });

  it('should prefix the pattern of a mounted router with its base', () => {
    expect(routeLabel(req('/sub/items/1', '/items/:id', '/sub'))).toBe('/sub/items/:id');
  });

  it('should put everything under Bull Board in one value, query strings included', () => {
    expect(routeLabel(req('/admin/queues?token=secret'))).toBe('/admin/queues/*');
    expect(routeLabel(req('/admin/queues/api/queues/executions/jobs/42', '/api/x'))).toBe(
      '/admin/queues/*',
    );
  });

  it("should give unknown paths and Nest's catch-all one value", () => {
    expect(routeLabel(req('/nope/123'))).toBe(UNMATCHED);
    expect(routeLabel(req('/nope/123', '{/*splat}'))).toBe(UNMATCHED);
  });
});
