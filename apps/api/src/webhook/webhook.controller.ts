import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  mapPage,
  Page,
  PageQueryDto,
  Principal,
  Scopes,
} from '@app/common';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { AllDeliveriesQueryDto, DeliveryQueryDto } from './dto/delivery-query.dto';
import {
  CallbackSecretDto,
  CreatedWebhookDto,
  DeliveryDto,
  DeliveryEnvelopeDto,
  DeliveryPageDto,
  WebhookDto,
  WebhookEnvelopeDto,
  WebhookPageDto,
} from './dto/webhook.response';
import { DeliveryWithAttempts, WebhookService } from './webhook.service';

const toPage = (page: Page<DeliveryWithAttempts>): DeliveryPageDto =>
  mapPage(page, (r) => DeliveryDto.from(r.delivery, r.attempts));

/** DESIGN §14. Static paths come before `:id` so that they win. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiHeader({ name: 'X-User-Id', required: false, description: 'Trusted gateway header' })
@Auth('user', 'key')
@Controller('v1/webhooks')
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post()
  @Scopes('manage')
  @ApiOperation({
    summary: 'Register a webhook; its signing secret is shown only in this answer',
  })
  @ApiEnvelope(CreatedWebhookDto, { status: 201 })
  @ApiErrors(400, 401, 403, 409)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateWebhookDto,
  ): Promise<CreatedWebhookDto> {
    const { webhook, secret } = await this.webhooks.create(principal.userId, dto);
    return { ...WebhookDto.from(webhook), secret };
  }

  @Get()
  @Scopes('read')
  @ApiOperation({ summary: 'List own webhooks (without secrets)' })
  @ApiEnvelope(WebhookPageDto)
  @ApiErrors(400, 401, 403)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<WebhookPageDto> {
    return mapPage(await this.webhooks.list(principal.userId, query), WebhookDto.from);
  }

  @Get('callback-secret')
  @Scopes('manage')
  @ApiOperation({
    summary: "The secret that signs deliveries to runs' callback_url (created on first read)",
  })
  @ApiEnvelope(CallbackSecretDto)
  @ApiErrors(401, 403)
  async callbackSecret(@CurrentPrincipal() principal: Principal): Promise<CallbackSecretDto> {
    return { secret: await this.webhooks.callbackSecret(principal.userId) };
  }

  @Get('deliveries')
  @Scopes('read')
  @ApiOperation({ summary: 'All own deliveries (webhooks and callback_url), newest first' })
  @ApiEnvelope(DeliveryPageDto)
  @ApiErrors(400, 401, 403)
  async allDeliveries(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AllDeliveriesQueryDto,
  ): Promise<DeliveryPageDto> {
    return toPage(await this.webhooks.listAllDeliveries(principal.userId, query));
  }

  @Get('deliveries/:delivery_id')
  @Scopes('read')
  @ApiOperation({ summary: 'One delivery with its attempts' })
  @ApiEnvelope(DeliveryEnvelopeDto)
  @ApiErrors(401, 403, 404)
  async delivery(
    @CurrentPrincipal() principal: Principal,
    @Param('delivery_id') id: string,
  ): Promise<DeliveryEnvelopeDto> {
    const { delivery, attempts } = await this.webhooks.getDelivery(principal.userId, id);
    return { delivery: DeliveryDto.from(delivery, attempts) };
  }

  @Post('deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @Scopes('manage')
  @ApiOperation({ summary: 'Send the same event again (same event id, new attempt series)' })
  @ApiEnvelope(DeliveryEnvelopeDto, { status: 202 })
  @ApiErrors(401, 403, 404)
  async redeliver(
    @CurrentPrincipal() principal: Principal,
    @Param('delivery_id') id: string,
  ): Promise<DeliveryEnvelopeDto> {
    return { delivery: DeliveryDto.from(await this.webhooks.redeliver(principal.userId, id)) };
  }

  @Get(':id')
  @Scopes('read')
  @ApiOperation({ summary: 'One webhook (without its secret)' })
  @ApiEnvelope(WebhookEnvelopeDto)
  @ApiErrors(401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<WebhookEnvelopeDto> {
    return { webhook: WebhookDto.from(await this.webhooks.get(principal.userId, id)) };
  }

  @Delete(':id')
  @Scopes('manage')
  @ApiOperation({ summary: 'Delete a webhook and its delivery log' })
  @ApiEnvelope(null)
  @ApiErrors(401, 403, 404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<null> {
    await this.webhooks.remove(principal.userId, id);
    return null;
  }

  @Post(':id/test')
  @HttpCode(202)
  @Scopes('manage')
  @ApiOperation({ summary: 'Send a webhook.test event to the webhook' })
  @ApiEnvelope(DeliveryEnvelopeDto, { status: 202 })
  @ApiErrors(401, 403, 404)
  async test(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<DeliveryEnvelopeDto> {
    return { delivery: DeliveryDto.from(await this.webhooks.test(principal.userId, id)) };
  }

  @Get(':id/deliveries')
  @Scopes('read')
  @ApiOperation({ summary: "A webhook's deliveries with every attempt, newest first" })
  @ApiEnvelope(DeliveryPageDto)
  @ApiErrors(400, 401, 403, 404)
  async deliveries(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: DeliveryQueryDto,
  ): Promise<DeliveryPageDto> {
    return toPage(await this.webhooks.listDeliveries(principal.userId, id, query));
  }
}
