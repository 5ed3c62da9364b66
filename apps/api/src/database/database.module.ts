import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, buildDataSourceOptions, ensureDatabase, migrateWithLock } from '@app/common';
import { DatabaseProbe } from './database.probe';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

const logger = new Logger('Database');

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        await ensureDatabase(config.databaseUrl);
        const options = buildDataSourceOptions({
          url: config.databaseUrl,
          poolSize: config.dbPoolSize,
          entities: ENTITIES,
          migrations: MIGRATIONS,
        });
        if (config.migrateOnStart) {
          const applied = await migrateWithLock(options);
          if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
        }
        return { ...options, retryAttempts: 3, retryDelay: 1000 };
      },
    }),
  ],
  providers: [DatabaseProbe],
  exports: [DatabaseProbe],
})
export class DatabaseModule {}
