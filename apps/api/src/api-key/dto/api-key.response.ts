import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SCOPES } from '@app/common';
import { maskKey } from '../api-key.format';
import { parseScopes } from '../api-key-verifier.service';
import { ApiKeyEntity } from '../entities/api-key.entity';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export class CreatedApiKeyDto {
  @ApiProperty({ description: 'The full key. Shown only in this answer.' }) api_key!: string;
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'rpa_Ab3dE6gH9jK2' }) prefix!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) expires_at!: string | null;
  @ApiProperty() created_at!: string;

  static from(entity: ApiKeyEntity, key: string): CreatedApiKeyDto {
    return {
      api_key: key,
      id: entity.id,
      name: entity.name,
      prefix: entity.prefix,
      scopes: parseScopes(entity.scopes),
      expires_at: iso(entity.expires_at),
      created_at: entity.created_at.toISOString(),
    };
  }
}

export class LegacyCreatedApiKeyDto {
  @ApiProperty({ description: 'The full key. Shown only in this answer.' }) api_key!: string;
}

/** The masked list item; field names mix cases because the legacy front end reads them. */
export class MaskedApiKeyDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'rpa_Ab3dE6gH9jK2******' }) api_key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) expires_at!: string | null;
  @ApiProperty() createTime!: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Last use (same as last_used_at)',
  })
  recentTime!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) last_used_at!: string | null;

  static from(entity: ApiKeyEntity): MaskedApiKeyDto {
    return {
      id: entity.id,
      api_key: maskKey(entity.prefix),
      name: entity.name,
      scopes: parseScopes(entity.scopes),
      expires_at: iso(entity.expires_at),
      createTime: entity.created_at.toISOString(),
      recentTime: iso(entity.last_used_at),
      last_used_at: iso(entity.last_used_at),
    };
  }
}

export class ApiKeyPageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [MaskedApiKeyDto] }) records!: MaskedApiKeyDto[];
}
