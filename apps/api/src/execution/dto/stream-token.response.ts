import { ApiProperty } from '@nestjs/swagger';

export class StreamTokenDto {
  @ApiProperty({
    description: 'Opens this execution’s event stream only, as ?stream_token=, until it expires',
    example: 'st1.eyJ1IjoiYWxpY2UiLCJlIjoiLi4uIiwieCI6MH0.mC2n3v…',
  })
  stream_token!: string;

  @ApiProperty({ format: 'date-time' }) expires_at!: string;

  @ApiProperty({ example: 60 }) expires_in!: number;

  @ApiProperty({
    description: 'The event stream with the token in place, for new EventSource(events_url)',
    example: '/executions/7d4b…/events?stream_token=st1.…',
  })
  events_url!: string;
}
