import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Everything served by Bull Board is one label value: its paths carry job ids. */
const BULL_BOARD_PREFIX = '/admin/queues';
export const UNMATCHED = '(unmatched)';

/**
 * The route label is the matched pattern (`/executions/:id`), never the raw URL, so the
 * number of series stays bounded whatever clients send; unmatched requests share one value.
 */
export function routeLabel(req: Request): string {
  const path = (req.originalUrl ?? req.url).split('?')[0];
  if (path === BULL_BOARD_PREFIX || path.startsWith(`${BULL_BOARD_PREFIX}/`)) {
    return `${BULL_BOARD_PREFIX}/*`;
  }
  const route = (req as Request & { route?: { path?: unknown } }).route;
  // Nest answers unknown paths from a catch-all route (`{/*splat}`): that is no route either.
  if (route && typeof route.path === 'string' && !route.path.includes('*')) {
    return `${req.baseUrl ?? ''}${route.path}`;
  }
  return UNMATCHED;
}

/** Observes every HTTP request's duration once it has been answered (or abandoned). */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.httpDuration.startTimer();
    let observed = false;
    const observe = () => {
      if (observed) return;
      observed = true;
      stop({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) });
    };
    res.once('finish', observe);
    res.once('close', observe);
    next();
  };
}
