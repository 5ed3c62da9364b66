import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/common';
import { EXECUTION_EVENTS_CHANNEL } from './execution.constants';
import { ExecutionEvent } from './execution.events';
import { parseExecutionEvent } from './execution-event.factory';

/** Events kept per execution for resuming streams (docs/run-control.md), and for how long. */
const MAX_EVENTS_PER_EXECUTION = 2000;
const RETAIN_MS = 24 * 3600 * 1000;

/**
 * Appends the event to the execution's bounded Redis stream and publishes it with the
 * stream id in one atomic step, so ids are increasing per execution and every subscriber
 * sees events in the order of their ids.
 */
const APPEND_AND_PUBLISH = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
return id`;

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

const MAX_U64 = 2n ** 64n - 1n;

/** "<ms>-<seq>", each part an unsigned 64-bit number (what Redis accepts as a stream id). */
export const isStreamId = (value: unknown): value is string =>
  typeof value === 'string' &&
  STREAM_ID.test(value) &&
  value.split('-').every((part) => BigInt(part) <= MAX_U64);

/** Orders two stream ids ("<ms>-<seq>"). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/** An event stored as JSON under `id`, or null when it is not one (see parseExecutionEvent). */
function readEvent(id: string, json: string | undefined): ExecutionEvent | null {
  if (!isStreamId(id) || json === undefined) return null;
  try {
    return parseExecutionEvent(JSON.parse(json), id);
  } catch {
    return null;
  }
}

/** Parses a pub/sub message "<stream id> <json>" into an event carrying its id. */
export function parseEventMessage(message: string): ExecutionEvent | null {
  const space = message.indexOf(' ');
  if (space < 0) return null;
  return readEvent(message.slice(0, space), message.slice(space + 1));
}

type AppendCommand = (
  streamKey: string,
  channel: string,
  payload: string,
  maxLen: number,
  retainMs: number,
) => Promise<string>;

@Injectable()
export class ExecutionEventLog {
  private readonly appendAndPublish: AppendCommand;

  constructor(private readonly redis: RedisService) {
    this.appendAndPublish = redis.script<AppendCommand>('rpaAppendEvent', 2, APPEND_AND_PUBLISH);
  }

  /** The stream's key within the namespace (RedisService adds the prefix). */
  private streamKey(executionId: string): string {
    return `executions:${executionId}:events`;
  }

  /** Stores and publishes; resolves with the event's id. */
  async append(event: ExecutionEvent): Promise<string> {
    const { id: _ignored, ...payload } = event;
    const id = await this.redis.within(
      'publishing an execution event',
      this.appendAndPublish(
        this.redis.key(this.streamKey(event.execution_id)),
        this.redis.key(EXECUTION_EVENTS_CHANNEL),
        JSON.stringify(payload),
        MAX_EVENTS_PER_EXECUTION,
        RETAIN_MS,
      ),
    );
    return String(id);
  }

  /** Events after `afterId` (exclusive), oldest first. */
  async since(executionId: string, afterId: string): Promise<ExecutionEvent[]> {
    const entries = await this.redis.within(
      'reading execution events',
      this.redis.streamAfter(this.streamKey(executionId), afterId, MAX_EVENTS_PER_EXECUTION),
    );
    return entries.flatMap(([id, fields]) => {
      const event = readEvent(id, fields[fields.indexOf('e') + 1]);
      return event ? [event] : [];
    });
  }

  /** The id of the newest stored event, or null. */
  async latestId(executionId: string): Promise<string | null> {
    return this.redis.within(
      'reading execution events',
      this.redis.streamLastId(this.streamKey(executionId)),
    );
  }

  /** Drops stored events (retention). */
  async remove(executionIds: string[]): Promise<void> {
    await this.redis.remove(...executionIds.map((id) => this.streamKey(id)));
  }
}
