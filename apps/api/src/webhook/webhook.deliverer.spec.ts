import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig, parseConfig } from '@app/common';
import { DeliveryStatus, WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookDeliverer } from './webhook.deliverer';
import {
  DeliveryProgress,
  NewAttempt,
  WebhookDeliveryRepository,
} from './webhook-delivery.repository';
import { WebhookSecrets } from './webhook.secrets';

/** The delivery log in memory, with the repository's contract. */
class FakeDeliveryRepository {
  readonly deliveries = new Map<string, WebhookDeliveryEntity>();
  readonly attempts: NewAttempt[] = [];

  async withPayload(id: string) {
    const row = this.deliveries.get(id);
    return row ? { ...row } : null;
  }
  async lastAttempt(deliveryId: string) {
    return Math.max(
      0,
      ...this.attempts.filter((a) => a.delivery_id === deliveryId).map((a) => a.attempt),
    );
  }
  async logAttempt(attempt: NewAttempt) {
    this.attempts.push(attempt);
  }
  async record(id: string, progress: DeliveryProgress) {
    Object.assign(this.deliveries.get(id)!, progress);
  }
}

describe(WebhookDeliverer.name, () => {
  let server: Server;
  let url: string;
  let answer = 200;
  const received: Array<{ signature?: string; body: string }> = [];
  let deliveries: FakeDeliveryRepository;
  let secrets: {
    webhookSecret: ReturnType<typeof vi.fn>;
    callbackSecret: ReturnType<typeof vi.fn>;
  };
  let sut: WebhookDeliverer;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ signature: req.headers['x-rpa-signature'] as string, body });
        res.writeHead(answer).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    answer = 200;
    received.length = 0;
    deliveries = new FakeDeliveryRepository();
    deliveries.deliveries.set('d1', {
      id: 'd1',
      webhook_id: 'w1',
      user_id: 'alice',
      event_id: 'e1',
      event_type: 'execution.completed',
      execution_id: 'x1',
      url,
      payload: '{"id":"e1"}',
      status: DeliveryStatus.Pending,
      attempts: 0,
    } as WebhookDeliveryEntity);
    secrets = {
      webhookSecret: vi.fn().mockResolvedValue('whsec_test'),
      callbackSecret: vi.fn().mockResolvedValue('whsec_callback'),
    };
    const config = new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_TIMEOUT_MS: '2000',
      }),
    );
    sut = new WebhookDeliverer(
      deliveries as unknown as WebhookDeliveryRepository,
      secrets as unknown as WebhookSecrets,
      config,
    );
  });

  it('should POST the signed body, log the attempt and mark the delivery succeeded', async () => {
    const outcome = await sut.attempt('d1', 1, 3);

    expect(outcome).toEqual({ outcome: 'done' });
    expect(received).toEqual([{ signature: expect.stringMatching(/v1=/), body: '{"id":"e1"}' }]);
    expect(deliveries.attempts).toMatchObject([{ attempt: 1, status_code: 200, error: null }]);
    expect(deliveries.deliveries.get('d1')).toMatchObject({
      status: DeliveryStatus.Succeeded,
      attempts: 1,
      next_attempt_at: null,
    });
  });

  it('should keep a delivery pending with its next attempt time after a failed try', async () => {
    answer = 500;

    const outcome = await sut.attempt('d1', 1, 3);

    expect(outcome).toEqual({ outcome: 'retry', reason: 'HTTP 500' });
    expect(deliveries.deliveries.get('d1')).toMatchObject({
      status: DeliveryStatus.Pending,
      last_status_code: 500,
      next_attempt_at: expect.any(Date),
    });
  });

  it('should fail the delivery on its last attempt', async () => {
    answer = 503;

    const outcome = await sut.attempt('d1', 3, 3);

    expect(outcome).toEqual({ outcome: 'failed', reason: 'HTTP 503' });
    expect(deliveries.deliveries.get('d1')?.status).toBe(DeliveryStatus.Failed);
  });

  it('should count attempts a crashed job made but did not report', async () => {
    deliveries.attempts.push({ delivery_id: 'd1', attempt: 2 } as NewAttempt);

    await sut.attempt('d1', 1, 5);

    expect(deliveries.attempts.at(-1)?.attempt).toBe(3);
  });

  it('should fail without sending a delivery whose webhook was deleted', async () => {
    secrets.webhookSecret.mockResolvedValue(null);

    const outcome = await sut.attempt('d1', 1, 3);

    expect(outcome).toEqual({ outcome: 'done' });
    expect(received).toHaveLength(0);
    expect(deliveries.deliveries.get('d1')).toMatchObject({
      status: DeliveryStatus.Failed,
      last_error: 'The webhook was deleted',
    });
  });

  it('should leave alone a delivery that is already over', async () => {
    deliveries.deliveries.get('d1')!.status = DeliveryStatus.Succeeded;

    const outcome = await sut.attempt('d1', 1, 3);

    expect(outcome).toEqual({ outcome: 'done' });
    expect(received).toHaveLength(0);
  });
});
