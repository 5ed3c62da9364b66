import { randomUUID } from 'node:crypto';
import { JsonObject, PLATFORM_RUN_STATUSES, PlatformRunStatus } from '@app/common';
import { BaseMsg, ROOT_UUID } from './executor-frames';

/**
 * The managed protocol of newer engines ("protocol 1", docs/executors.md): commands on
 * `execution/control` answered by receipts. Frames are shaped as the platform's own service
 * sends them: `{protocol: 1, action, …, owner}` in `data`, always with `need_reply`.
 */
export const MANAGED_PROTOCOL = 1;
export const EXECUTION_CHANNEL = 'execution';
export const CONTROL_KEY = 'control';
/** How long the capabilities probe waits before the connection is taken for a legacy one. */
export const PROBE_TIMEOUT_MS = 2000;

export type ControlAction = 'capabilities' | 'start' | 'get' | 'cancel';

export function controlFrame(
  userId: string,
  action: ControlAction,
  fields: JsonObject = {},
  eventId: string = randomUUID(),
): BaseMsg {
  return {
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    channel: EXECUTION_CHANNEL,
    key: CONTROL_KEY,
    uuid: ROOT_UUID,
    send_uuid: userId,
    need_reply: true,
    data: { protocol: MANAGED_PROTOCOL, action, ...fields, owner: userId },
  };
}

/** What `start` carries in `payload`; the service enforces the run's limit itself. */
export interface StartPayload extends JsonObject {
  projectId: string;
  version: number | null;
  params: JsonObject;
  executionTimeout: number | null;
  recordingConfig: JsonObject | null;
}

export interface Capabilities {
  clientId: string;
  supportsCancel: boolean;
}

/** A probe reply that marks the connection managed; anything else (an error string) is legacy. */
export function readCapabilities(data: unknown): Capabilities | null {
  if (!isObject(data) || data.protocol !== MANAGED_PROTOCOL) return null;
  if (typeof data.clientId !== 'string' || !data.clientId) return null;
  return { clientId: data.clientId, supportsCancel: data.supportsCancel === true };
}

export const RECEIPT_STATUSES = PLATFORM_RUN_STATUSES;
export type ReceiptStatus = PlatformRunStatus;
const TERMINAL: ReadonlySet<ReceiptStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'timeout',
]);

export interface Receipt {
  protocol: 1;
  executionId: string;
  clientId: string;
  runId: string | null;
  status: ReceiptStatus;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: unknown;
  supportsCancel?: boolean;
}

export function isTerminal(status: ReceiptStatus): boolean {
  return TERMINAL.has(status);
}

/** Whether `data` looks like a receipt at all (so it can be matched to a run by executionId). */
export function receiptExecutionId(data: unknown): string | null {
  return isObject(data) && typeof data.executionId === 'string' && data.executionId
    ? data.executionId
    : null;
}

/**
 * Checks a receipt's shape, as the platform's service does: a running or succeeded/timeout
 * receipt names its run and when it started, a terminal one when it finished (not before it
 * started). Answers the receipt, or why it is refused.
 */
export function checkReceipt(data: unknown): { receipt: Receipt } | { refused: string } {
  if (!isObject(data)) return { refused: 'the receipt is not an object' };
  if (data.protocol !== MANAGED_PROTOCOL) return { refused: 'the receipt is not protocol 1' };
  if (typeof data.executionId !== 'string' || typeof data.clientId !== 'string') {
    return { refused: 'the receipt lacks executionId or clientId' };
  }
  const status = data.status as ReceiptStatus;
  if (!RECEIPT_STATUSES.includes(status)) {
    return { refused: `unknown receipt status ${JSON.stringify(data.status ?? null)}` };
  }
  const runId = typeof data.runId === 'string' && data.runId ? data.runId : null;
  const started = instant(data.startedAt);
  const finished = instant(data.finishedAt);
  if (started === undefined || finished === undefined) {
    return { refused: 'startedAt and finishedAt must be ISO times with a zone' };
  }
  if (started !== null && finished !== null && finished < started) {
    return { refused: 'finishedAt is before startedAt' };
  }
  if (isTerminal(status) && finished === null) {
    return { refused: `a ${status} receipt without finishedAt` };
  }
  const needsRun = status === 'running' || status === 'succeeded' || status === 'timeout';
  if (needsRun && (!runId || started === null)) {
    return { refused: `a ${status} receipt without runId or startedAt` };
  }
  return {
    receipt: {
      protocol: MANAGED_PROTOCOL,
      executionId: data.executionId,
      clientId: data.clientId,
      runId,
      status,
      startedAt: started === null ? null : String(data.startedAt),
      finishedAt: finished === null ? null : String(data.finishedAt),
      result: data.result ?? null,
      error: data.error ?? null,
      ...(typeof data.supportsCancel === 'boolean' ? { supportsCancel: data.supportsCancel } : {}),
    },
  };
}

export type ReceiptOutcome =
  | { status: 'COMPLETED'; result: JsonObject }
  | { status: 'FAILED'; error: string }
  | { status: 'CANCELLED' };

/** The run's end from a recorded terminal receipt. */
export function interpretReceipt(receipt: Receipt): ReceiptOutcome {
  switch (receipt.status) {
    case 'succeeded':
      return { status: 'COMPLETED', result: { code: '0000', data: receipt.result as JsonObject } };
    case 'cancelled':
      return { status: 'CANCELLED' };
    case 'timeout':
      return {
        status: 'FAILED',
        error: `TIMEOUT: ${reason(receipt.error, 'the executor stopped the run at its deadline')}`,
      };
    default:
      return {
        status: 'FAILED',
        error: reason(receipt.error, 'the executor reported the run failed'),
      };
  }
}

function reason(error: unknown, fallback: string): string {
  if (typeof error === 'string' && error) return error;
  if (isObject(error) && typeof error.message === 'string') return error.message;
  return fallback;
}

/** null when absent, undefined when present but not a time with a zone. */
function instant(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !/(Z|[+-]\d\d:?\d\d)$/i.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
