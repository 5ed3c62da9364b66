import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ExecutorConnectionRecord } from '../executor.store';

export class ExecutorDto {
  @ApiProperty({ format: 'uuid', description: 'The connection id' }) id!: string;
  @ApiProperty() user_id!: string;
  @ApiProperty() connected_at!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) last_ping_at!: string | null;
  @ApiProperty({ description: 'Remote address of the connection' }) address!: string;
  @ApiProperty({ type: [String], description: 'Executions dispatched to it, not answered yet' })
  running!: string[];

  static from(record: ExecutorConnectionRecord): ExecutorDto {
    return {
      id: record.id,
      user_id: record.user_id,
      connected_at: new Date(record.connected_at).toISOString(),
      last_ping_at: record.last_ping_at ? new Date(record.last_ping_at).toISOString() : null,
      address: record.address,
      running: record.running,
    };
  }
}

export class ExecutorListDto {
  @ApiProperty({ type: [ExecutorDto] }) items!: ExecutorDto[];
  @ApiProperty() total!: number;

  static from(records: ExecutorConnectionRecord[]): ExecutorListDto {
    return { items: records.map(ExecutorDto.from), total: records.length };
  }
}
