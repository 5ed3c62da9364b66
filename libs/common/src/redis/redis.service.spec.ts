import { AppConfig } from '../config/app-config';
import { parseConfig } from '../config/config.loader';
import { RedisService } from './redis.service';

describe(RedisService.name, () => {
  it('should give up waiting for a publish while Redis is unreachable', async () => {
    const sut = new RedisService(
      new AppConfig(
        parseConfig({
          API_KEY_PEPPER: 'unit-test-pepper-0123456789',
          WEBHOOK_SECRET_KEY: 'unit-test-webhook-key-0123456789',
          // Nothing listens here.
          REDIS_URL: 'redis://127.0.0.1:6399',
        }),
      ),
    );
    try {
      await expect(sut.publish('anything', 'hello', 200)).rejects.toThrow(
        'Redis is unavailable (publishing on anything); try again',
      );
    } finally {
      await sut.onApplicationShutdown();
    }
  });
});
