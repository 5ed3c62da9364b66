import { ApiProperty } from '@nestjs/swagger';

export class StreamTokenDto {
  @ApiProperty({
    description:
      'Opens this execution’s event stream only, as ?stream_token=, until it expires or the ' +
      'API key that asked for it is revoked',
    example: 'st2.eyJ1IjoiYWxpY2UiLCJlIjoiLi4uIiwieCI6MCwiayI6MTJ9.mC2n3v…',
  })
  stream_token!: string;

  @ApiProperty({ format: 'date-time' }) expires_at!: string;

  @ApiProperty({ example: 60 }) expires_in!: number;

  @ApiProperty({
    description: 'The event stream with the token in place, for new EventSource(events_url)',
    example: '/executions/7d4b…/events?stream_token=st2.…',
  })
  events_url!: string;
}
