import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, RawResponse } from '@app/common';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

/** Only this origin's own files; the socket.io client comes from `/socket.io/`. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Next to this file in the sources (tests); in dist, where the `assets` entry of nest-cli.json
 * copies them: beside the bundle, under their path from the tsconfig rootDir (the repo root).
 */
function dashboardDir(): string | undefined {
  return [join(__dirname, 'dashboard'), join(__dirname, 'apps/api/src/gateway/dashboard')].find(
    (dir) => existsSync(join(dir, 'index.html')),
  );
}

/**
 * `GET /dashboard`: a static page that lists the caller's recent executions over REST and
 * follows them live over Socket.IO. It holds no secret: the API key is typed into the page.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  private readonly logger = new Logger(DashboardController.name);
  private readonly files = new Map<string, Buffer>();

  constructor() {
    const dir = dashboardDir();
    if (!dir) {
      this.logger.error('Dashboard files are missing from this build; /dashboard answers 404');
      return;
    }
    for (const name of Object.keys(FILES)) this.files.set(name, readFileSync(join(dir, name)));
  }

  @Get()
  @RawResponse()
  page(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get(':file')
  @RawResponse()
  asset(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file);
  }

  private send(res: Response, name: string): void {
    const body = Object.hasOwn(FILES, name) ? this.files.get(name) : undefined;
    if (!body) throw new NotFoundException();
    res
      .status(200)
      .set({
        'Content-Type': FILES[name],
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      })
      .send(body);
  }
}
