import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig, RedisService, closeRedis } from '@app/common';

/**
 * Socket.IO over the process's HTTP server with the Redis adapter, so that room operations
 * (broadcasts, disconnectSockets, fetchSockets) reach sockets on every api process. Its
 * channels are namespaced by REDIS_PREFIX like every other key.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly redisLogger = new Logger(RedisIoAdapter.name);
  private readonly connections: Redis[] = [];
  private readonly redis: RedisService;
  private readonly channelPrefix: string;

  constructor(app: INestApplicationContext) {
    super(app);
    this.redis = app.get(RedisService);
    this.channelPrefix = `${app.get(AppConfig).redisPrefix}:socket.io`;
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options);
    const pub = this.redis.connect('socket.io:pub');
    const sub = this.redis.connect('socket.io:sub');
    this.connections.push(pub, sub);
    server.adapter(
      createAdapter(pub, sub, { key: this.channelPrefix, publishOnSpecificResponseChannel: true }),
    );
    this.redisLogger.debug(`Socket.IO Redis adapter on ${this.channelPrefix}`);
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.allSettled(this.connections.splice(0).map((c) => closeRedis(c)));
  }
}
