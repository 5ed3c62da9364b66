// Entry point for the TypeORM CLI (npm run migration:*); the app itself uses DatabaseModule.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, loadConfig } from '@app/common';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

const config = loadConfig();
export default new DataSource(
  buildDataSourceOptions({
    url: config.DATABASE_URL,
    poolSize: 2,
    entities: ENTITIES,
    migrations: MIGRATIONS,
  }),
);
