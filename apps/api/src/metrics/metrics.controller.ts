import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ApiErrors,
  AppConfig,
  AppException,
  Public,
  RawResponse,
  credentialsFromHeaders,
  safeEqual,
} from '@app/common';
import { MetricsService } from './metrics.service';

/** `GET /metrics`: Prometheus text; behind `Authorization: Bearer METRICS_TOKEN` when set. */
@ApiTags('operations')
@ApiBearerAuth()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @RawResponse()
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Open unless METRICS_TOKEN is set; then send Authorization: Bearer <METRICS_TOKEN> ' +
      '(401 without it). Series are listed in docs/operating.md.',
  })
  @ApiErrors(401)
  async scrape(
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Res() res: Response,
  ): Promise<void> {
    const token = this.config.metricsToken;
    if (token) {
      const { bearer } = credentialsFromHeaders(headers);
      if (!bearer || !safeEqual(bearer, token)) {
        throw new AppException('UNAUTHENTICATED', 'Invalid or missing metrics token');
      }
    }
    const body = await this.metrics.render();
    res.status(200).setHeader('Content-Type', this.metrics.contentType);
    res.send(body);
  }
}
