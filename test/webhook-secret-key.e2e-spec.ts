import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { WebhookSecrets } from '../apps/api/src/webhook/webhook.secrets';
import { TestApp, startTestApp } from './support/app';

/** A secret as earlier versions sealed it: under a key derived from API_KEY_PEPPER. */
function sealV1(pepper: string, secret: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', pepper, 'rpa-webhooks', 'webhook-signing-secrets', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

describe('Webhook secrets at rest (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should seal new secrets under WEBHOOK_SECRET_KEY, not the API key pepper', async () => {
    const res = await sut.http
      .post('/v1/webhooks')
      .set('X-User-Id', 'u')
      .send({ url: 'http://127.0.0.1:9/hook', events: ['execution.completed'] })
      .expect(201);
    const [row] = await sut.db.query('SELECT secret FROM webhooks WHERE id = ?', [
      res.body.data.id,
    ]);
    expect(row.secret).toMatch(/^v2\./);
  });

  it('should re-seal secrets sealed under the pepper, keeping their value', async () => {
    const pepper = sut.env.API_KEY_PEPPER;
    await sut.db.query(
      "INSERT INTO webhooks (id, user_id, url, events, secret) VALUES ('00000000-0000-4000-8000-000000000001', 'old', 'http://127.0.0.1:9/h', 'execution.completed', ?)",
      [sealV1(pepper, 'whsec_old_hook')],
    );
    await sut.db.query('INSERT INTO webhook_callback_secrets (user_id, secret) VALUES (?, ?)', [
      'old',
      sealV1(pepper, 'whsec_old_callback'),
    ]);
    const secrets = sut.app.get(WebhookSecrets);

    expect(await secrets.resealLegacy()).toBe(2);

    const [hook] = await sut.db.query("SELECT secret FROM webhooks WHERE user_id = 'old'");
    const [callback] = await sut.db.query(
      "SELECT secret FROM webhook_callback_secrets WHERE user_id = 'old'",
    );
    expect([hook.secret, callback.secret]).toEqual([
      expect.stringMatching(/^v2\./),
      expect.stringMatching(/^v2\./),
    ]);
    expect(await secrets.webhookSecret('00000000-0000-4000-8000-000000000001')).toBe(
      'whsec_old_hook',
    );
    expect(await secrets.callbackSecret('old')).toBe('whsec_old_callback');
    expect(await secrets.resealLegacy()).toBe(0);
  });
});
