import { randomUUID } from 'node:crypto';
import { JsonObject } from '@app/common';

/** The service's own address in the engine's protocol. */
export const ROOT_UUID = '$root$';

/**
 * One frame of the engine's WebSocket protocol (its `BaseMsg`): JSON text, absent fields
 * omitted. `uuid` is the sender and `send_uuid` the recipient.
 */
export interface BaseMsg {
  event_id?: string;
  event_time?: number;
  channel: string;
  key?: string;
  uuid?: string;
  send_uuid?: string;
  need_ack?: boolean;
  need_reply?: boolean;
  reply_event_id?: string;
  data?: unknown;
}

export const Channel = {
  Ping: 'ping',
  Pong: 'pong',
  Exit: 'exit',
  Ack: 'ack',
  Remote: 'remote',
} as const;

/** What `remote/run` carries: the engine's local scheduler reads these fields. */
export interface RunFrameData extends JsonObject {
  project_id: string;
  exec_position: string;
  jwt: string;
  /** JSON string of [{varName, varValue}, …]. */
  run_param: string;
}

const eventTime = () => Math.floor(Date.now() / 1000);

export function runFrameData(
  projectId: string,
  execPosition: string,
  params: JsonObject,
): RunFrameData {
  const variables = Object.entries(params).map(([varName, varValue]) => ({ varName, varValue }));
  return {
    project_id: projectId,
    exec_position: execPosition,
    jwt: '',
    run_param: JSON.stringify(variables),
  };
}

export function runFrame(eventId: string, userId: string, data: RunFrameData): BaseMsg {
  return {
    event_id: eventId,
    event_time: eventTime(),
    channel: Channel.Remote,
    key: 'run',
    uuid: ROOT_UUID,
    send_uuid: userId,
    need_reply: true,
    data,
  };
}

export function stopFrame(userId: string, executionId: string, projectId: string): BaseMsg {
  return {
    event_id: randomUUID(),
    event_time: eventTime(),
    channel: Channel.Remote,
    key: 'stop',
    uuid: ROOT_UUID,
    send_uuid: userId,
    data: { execution_id: executionId, project_id: projectId },
  };
}

/** `remote/stop_current`: the executor stops whatever it runs now (the legacy stop button). */
export function stopCurrentFrame(userId: string): BaseMsg {
  return {
    event_id: randomUUID(),
    event_time: eventTime(),
    channel: Channel.Remote,
    key: 'stop_current',
    uuid: ROOT_UUID,
    send_uuid: userId,
    data: {},
  };
}

export function exitFrame(code: string, reason: string): BaseMsg {
  return {
    event_id: randomUUID(),
    event_time: eventTime(),
    channel: Channel.Exit,
    uuid: ROOT_UUID,
    data: { code, reason },
  };
}

export const PONG: BaseMsg = { channel: Channel.Pong };

export class BadFrame extends Error {}

/** Parses one text frame; a frame that is not a JSON object with a channel is refused. */
export function parseFrame(text: string): BaseMsg {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadFrame('the frame is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadFrame('the frame is not a JSON object');
  }
  const frame = value as Record<string, unknown>;
  if (typeof frame.channel !== 'string' || !frame.channel) {
    throw new BadFrame('the frame has no channel');
  }
  if (frame.reply_event_id !== undefined && frame.reply_event_id !== null) {
    if (typeof frame.reply_event_id !== 'string') {
      throw new BadFrame('reply_event_id must be a string');
    }
  }
  return frame as unknown as BaseMsg;
}

export type ReplyOutcome =
  { status: 'COMPLETED'; result: JsonObject } | { status: 'FAILED'; error: string };

/**
 * Reads an executor's answer to `remote/run`: its local scheduler's `{code, msg, data}`, as an
 * object or (newer engines) a JSON string of one. "0000" completes the run with the whole
 * object as its result, so the outputs sit at `result.data`.
 */
export function interpretReply(data: unknown): ReplyOutcome {
  let answer = data;
  if (typeof answer === 'string') {
    try {
      answer = JSON.parse(answer);
    } catch {
      return { status: 'FAILED', error: `bad executor reply: data is a string but not JSON` };
    }
  }
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) {
    return {
      status: 'FAILED',
      error: `bad executor reply: data must be an object {code, msg, data}, got ${describe(answer)}`,
    };
  }
  const reply = answer as JsonObject;
  if (reply.code === undefined || reply.code === null) {
    return { status: 'FAILED', error: 'bad executor reply: data has no code' };
  }
  if (String(reply.code) === '0000') return { status: 'COMPLETED', result: reply };
  const msg = typeof reply.msg === 'string' && reply.msg ? reply.msg : 'no message given';
  return { status: 'FAILED', error: `${msg} (code ${String(reply.code)})` };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
