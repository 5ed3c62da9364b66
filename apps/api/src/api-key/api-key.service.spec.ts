import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppConfig, parseConfig } from '@app/common';
import { InProcessRedis } from '@app/common/redis/redis.fake';
import { ApiKeyVerifierService } from './api-key-verifier.service';
import { ApiKeyEvents } from './api-key.events';
import { ApiKeyRepository, NewApiKeyRow } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeyEntity } from './entities/api-key.entity';
import { LegacyKeyUpgrader } from './legacy-key.upgrader';

/** The api_keys table in memory, with the repository's contract. */
class FakeApiKeyRepository {
  readonly rows: ApiKeyEntity[] = [];
  readonly touches: Array<[number, Date]> = [];
  prefixReads = 0;

  async insert(row: NewApiKeyRow) {
    const entity = {
      ...row,
      id: this.rows.length + 1,
      is_active: true,
      legacy_hash: null,
      revoked_at: null,
      last_used_at: null,
      created_at: new Date(),
      updated_at: new Date(),
    } as ApiKeyEntity;
    this.rows.push(entity);
    return entity;
  }
  async findActiveOwned(userId: string, id: number) {
    return this.rows.find((r) => r.id === id && r.user_id === userId && r.is_active) ?? null;
  }
  async activeOf(userId: string) {
    return this.rows.filter((r) => r.user_id === userId && r.is_active);
  }
  async deactivate(ids: number[]) {
    for (const row of this.rows) if (ids.includes(row.id)) row.is_active = false;
  }
  async findActiveByPrefix(prefix: string) {
    this.prefixReads++;
    return this.rows.find((r) => r.prefix === prefix && r.is_active) ?? null;
  }
  async touch(id: number, at: Date) {
    this.touches.push([id, at]);
  }
}

describe(ApiKeyService.name, () => {
  let keys: FakeApiKeyRepository;
  let events: EventEmitter2;
  let verifier: ApiKeyVerifierService;
  let sut: ApiKeyService;

  beforeEach(async () => {
    keys = new FakeApiKeyRepository();
    events = new EventEmitter2();
    const config = new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
      }),
    );
    const repository = keys as unknown as ApiKeyRepository;
    verifier = new ApiKeyVerifierService(
      repository,
      new InProcessRedis().asService,
      config,
      events,
      new LegacyKeyUpgrader(repository, config),
    );
    await verifier.onModuleInit();
    sut = new ApiKeyService(repository, verifier, config);
  });
  afterEach(() => verifier.beforeApplicationShutdown());

  it('should create a key that verifies, storing its HMAC and never the key', async () => {
    const { entity, key } = await sut.create('alice', { name: 'ci', scopes: ['read'] });

    const principal = await verifier.verify(key);

    expect(principal).toMatchObject({ userId: 'alice', keyId: entity.id, scopes: ['read'] });
    expect(JSON.stringify(keys.rows)).not.toContain(key);
  });

  it('should verify a key from the cache after the first lookup', async () => {
    const { key } = await sut.create('alice', { name: 'ci' });

    await verifier.verify(key);
    await verifier.verify(key);

    expect(keys.prefixReads).toBe(1);
  });

  it('should refuse a revoked key at once and announce the revocation', async () => {
    const { entity, key } = await sut.create('alice', { name: 'ci' });
    await verifier.verify(key);
    const announced: unknown[] = [];
    events.on(ApiKeyEvents.Revoked, (event) => announced.push(event));

    await sut.revoke('alice', entity.id);

    expect(await verifier.verify(key)).toBeNull();
    expect(announced).toEqual([
      { key_ids: [entity.id], prefixes: [entity.prefix], user_id: 'alice' },
    ]);
  });

  it("should answer API_KEY_NOT_FOUND for another user's key", async () => {
    const { entity } = await sut.create('alice', { name: 'ci' });

    await expect(sut.revoke('bob', entity.id)).rejects.toMatchObject({
      code: 'API_KEY_NOT_FOUND',
    });
    expect(keys.rows[0].is_active).toBe(true);
  });

  it('should record the last use of keys in one flush', async () => {
    const { entity, key } = await sut.create('alice', { name: 'ci' });
    await verifier.verify(key);
    await verifier.verify(key);

    await verifier.flushTouches();

    expect(keys.touches.map(([id]) => id)).toEqual([entity.id]);
  });
});
