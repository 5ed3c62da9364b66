import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JsonObject } from '@app/common';
import { WorkflowEntity } from '../entities/workflow.entity';

export class WorkflowDto {
  @ApiProperty() project_id!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) english_name!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() version!: string;
  @ApiProperty({ enum: [0, 1] }) status!: number;
  @ApiPropertyOptional({ nullable: true, type: Object }) parameters!:
    JsonObject | JsonObject[] | null;
  @ApiProperty() user_id!: string;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;

  static from(entity: WorkflowEntity): WorkflowDto {
    return {
      project_id: entity.project_id,
      name: entity.name,
      english_name: entity.english_name,
      description: entity.description,
      version: entity.version,
      status: Number(entity.status),
      parameters: entity.parameters,
      user_id: entity.user_id,
      created_at: entity.created_at.toISOString(),
      updated_at: entity.updated_at.toISOString(),
    };
  }
}

export class WorkflowEnvelopeDto {
  @ApiProperty({ type: WorkflowDto }) workflow!: WorkflowDto;
}

export class UpsertWorkflowResponseDto extends WorkflowEnvelopeDto {
  @ApiProperty({ enum: ['created', 'updated'] }) action!: 'created' | 'updated';
}

export class WorkflowPageDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [WorkflowDto] }) records!: WorkflowDto[];
}

/** A legacy list: `personal_total` counts the caller's own workflows, `public_total` shared ones (none are shared here). */
export class LegacyWorkflowPageDto extends WorkflowPageDto {
  @ApiProperty() personal_total!: number;
  @ApiProperty() public_total!: number;
}

export class LegacyWorkflowLookupDto {
  @ApiPropertyOptional({ type: WorkflowDto, nullable: true }) workflow!: WorkflowDto | null;
}
