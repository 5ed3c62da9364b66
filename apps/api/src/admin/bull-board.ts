import { createHmac } from 'node:crypto';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, type BullBoardModuleOptions } from '@bull-board/nestjs';
import { DynamicModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import {
  AppConfig,
  ErrorCode,
  credentialsFromHeaders,
  safeEqual,
  sendErrorEnvelope,
} from '@app/common';
import { EXECUTION_QUEUE } from '../execution/execution.constants';
import { AdminAuditLog } from './admin-audit';

export const BULL_BOARD_ROUTE = '/admin/queues';
export const BULL_BOARD_COOKIE = 'rpa_admin_board';
const COOKIE_MAX_AGE_S = 12 * 3600;

/**
 * The cookie holds an HMAC of the admin token, never the token: it opens the board only
 * (its path is /admin/queues), and rotating ADMIN_TOKEN invalidates it.
 */
export function boardCookieValue(adminToken: string): string {
  return createHmac('sha256', adminToken).update('rpa-bull-board-session-v1').digest('hex');
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function refuse(req: Request, res: Response, status: number, code: ErrorCode, msg: string): void {
  sendErrorEnvelope(req, res, status, { code, message: msg });
}

/**
 * Guards Bull Board's pages, assets and API with the admin token. Scripts send
 * `Authorization: Bearer <ADMIN_TOKEN>`. A browser opens `/admin/queues?token=<ADMIN_TOKEN>`
 * once: the token is checked, an HttpOnly, SameSite=Strict cookie scoped to /admin/queues is
 * set and the browser is redirected to the same address without the token. Changes made
 * through the board (non-GET) are refused from other origins and written to the audit log.
 */
export function boardAuthMiddleware(config: AppConfig) {
  const audit = new AdminAuditLog();
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = config.auth.adminToken;
    if (!token) return refuse(req, res, 404, 'NOT_FOUND', 'Not found');

    const url = new URL(req.originalUrl ?? req.url, 'http://board.invalid');
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && req.method === 'GET') {
      if (!safeEqual(queryToken, token)) {
        return refuse(req, res, 401, 'UNAUTHENTICATED', 'Invalid admin token');
      }
      const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
      res.setHeader(
        'Set-Cookie',
        `${BULL_BOARD_COOKIE}=${boardCookieValue(token)}; Path=${BULL_BOARD_ROUTE}; HttpOnly; ` +
          `SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`,
      );
      audit.record(req, { action: 'GET /admin/queues (sign-in)', outcome: 'ok', status: 303 });
      url.searchParams.delete('token');
      res.redirect(303, `${url.pathname}${url.search}`);
      return;
    }

    const { bearer } = credentialsFromHeaders(req.headers);
    const byBearer = bearer !== undefined && safeEqual(bearer, token);
    const session = cookie(req, BULL_BOARD_COOKIE);
    const byCookie = session !== undefined && safeEqual(session, boardCookieValue(token));
    if (!byBearer && !byCookie) {
      return refuse(
        req,
        res,
        401,
        'UNAUTHENTICATED',
        `Send Authorization: Bearer <ADMIN_TOKEN>, or open ${BULL_BOARD_ROUTE}?token=<ADMIN_TOKEN> once in a browser`,
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (byCookie && !byBearer && origin && originHost(origin) !== req.headers.host) {
        return refuse(req, res, 403, 'FORBIDDEN', 'Cross-origin changes are refused');
      }
      res.once('finish', () =>
        audit.record(req, {
          action: `${req.method} ${BULL_BOARD_ROUTE}${req.path === '/' ? '' : req.path}`,
          outcome: res.statusCode < 400 ? 'ok' : 'error',
          status: res.statusCode,
        }),
      );
    }
    next();
  };
}

/** The host of an Origin header; null for `Origin: null` (sandboxed pages) or any garbage. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

/** Bull Board at /admin/queues for the executions queue (other queues add a forFeature). */
export function bullBoardModules(): DynamicModule[] {
  return [
    BullBoardModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        route: BULL_BOARD_ROUTE,
        // @bull-board/express 9.10.1 pins its own copy of @bull-board/api (9.10.1, next to
        // the 9.10.2 the nestjs module uses): the same shape, different declarations.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: boardAuthMiddleware(config),
        boardOptions: { uiConfig: { boardTitle: 'RPA queues' } },
      }),
    }),
    BullBoardModule.forFeature({ name: EXECUTION_QUEUE, adapter: BullMQAdapter }),
  ];
}
