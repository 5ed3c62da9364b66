import { Controller, Get, Logger, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiEnvelope, AppException, ok, Public, RawResponse } from '@app/common';
import { readRedocBundle } from './redoc-bundle';

class ServiceLinksDto {
  @ApiProperty({ example: 'RPA OpenAPI Service' }) name!: string;
  @ApiProperty({
    example: { docs: '/docs', redoc: '/redoc', openapi: '/openapi.json', health: '/health' },
  })
  links!: Record<string, string>;
}

const LINKS = {
  docs: '/docs',
  redoc: '/redoc',
  openapi: '/openapi.json',
  health: '/health',
  dashboard: '/dashboard',
  mcp: '/mcp',
};

const REDOC_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>RPA OpenAPI Service: API reference</title>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
`;

/** ReDoc renders with inline styles and runs its search in a worker it makes from a blob. */
const REDOC_CSP = [
  "default-src 'self'",
  "script-src 'self' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where a newcomer lands: `GET /` sends browsers to the Swagger UI and answers other clients
 * with the links; `GET /redoc` is the same OpenAPI document as a ReDoc page.
 */
@ApiTags('health')
@Public()
@Controller()
export class DocsController {
  private readonly logger = new Logger(DocsController.name);
  private readonly redoc = readRedocBundle();

  constructor() {
    if (!this.redoc) this.logger.warn('ReDoc is missing from this build; /redoc answers 404');
  }

  @Get()
  @ApiOperation({
    summary: 'Where to go: the docs, the OpenAPI document, health (browsers: /docs)',
  })
  @ApiEnvelope(ServiceLinksDto)
  @RawResponse()
  home(@Req() req: Request, @Res() res: Response): void {
    if (req.accepts(['json', 'html']) === 'html') return res.redirect(302, LINKS.docs);
    const links: ServiceLinksDto = { name: 'RPA OpenAPI Service', links: LINKS };
    res.json(ok(links));
  }

  @Get('redoc')
  @ApiExcludeEndpoint()
  @RawResponse()
  page(@Res() res: Response): void {
    if (!this.redoc) throw new AppException('NOT_FOUND', 'ReDoc is not part of this build');
    // Also what keeps the page from loading ReDoc's logo from its CDN.
    res.setHeader('Content-Security-Policy', REDOC_CSP);
    res.type('html').send(REDOC_PAGE);
  }

  @Get('redoc/redoc.standalone.js')
  @ApiExcludeEndpoint()
  @RawResponse()
  script(@Res() res: Response): void {
    if (!this.redoc) throw new AppException('NOT_FOUND', 'ReDoc is not part of this build');
    res.type('text/javascript').setHeader('Cache-Control', 'public, max-age=86400');
    res.send(this.redoc);
  }
}
