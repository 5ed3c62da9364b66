import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEY_VERIFIER, Authenticator, StreamTokens } from '@app/common';
import { ApiKeyLegacyController } from './api-key-legacy.controller';
import { LegacyKeyUpgrader } from './legacy-key.upgrader';
import { ApiKeyVerifierService } from './api-key-verifier.service';
import { ApiKeyController } from './api-key.controller';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeyEntity } from './entities/api-key.entity';

/**
 * Global because every surface (HTTP guard, Socket.IO handshake, MCP) authenticates
 * through the Authenticator it provides (the event stream also through StreamTokens).
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    ApiKeyVerifierService,
    LegacyKeyUpgrader,
    { provide: API_KEY_VERIFIER, useExisting: ApiKeyVerifierService },
    Authenticator,
    StreamTokens,
  ],
  exports: [ApiKeyService, Authenticator, API_KEY_VERIFIER, StreamTokens],
})
export class ApiKeyModule {}

/** The key routes (legacy ones too): api role. */
@Module({
  imports: [ApiKeyModule],
  controllers: [ApiKeyLegacyController, ApiKeyController],
})
export class ApiKeyHttpModule {}
