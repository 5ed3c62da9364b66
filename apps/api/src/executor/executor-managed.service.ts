import { Injectable, Logger } from '@nestjs/common';
import { JsonObject, withTimeout } from '@app/common';
import { ExecutorConnection } from './executor-connection';
import { BaseMsg, RunFrameData } from './executor-frames';
import {
  checkReceipt,
  controlFrame,
  isTerminal,
  PROBE_TIMEOUT_MS,
  readCapabilities,
  receiptExecutionId,
  StartPayload,
} from './executor-managed';
import { ClaimedRun, ExecutorStore } from './executor.store';

/** How long a command's reply is matched to the run it asked about. */
const ASKED_TTL_MS = 60_000;
/** A refused receipt asks again at once, but not more often than this per run. */
const REASK_MIN_MS = 1000;

/** A run whose record a receipt changed: the hub frees its slot (ended) and wakes followers. */
export interface ReceiptEffect {
  eventId: string;
  /** The connection that held the run, when the receipt ended it. */
  endedOn?: string;
}

/**
 * The managed protocol on this process's connections: the capabilities probe, `start`, `get`
 * and `cancel`, and receipts recorded in the run's record like `remote/run` replies are.
 */
@Injectable()
export class ExecutorManagedService {
  private readonly logger = new Logger(ExecutorManagedService.name);
  private readonly probes = new Map<
    string,
    { conn: ExecutorConnection; resolve: (data: unknown) => void }
  >();
  /** Command event id → the run it asked about (replies name the command, not the run). */
  private readonly asked = new Map<string, { eventId: string; executionId: string }>();
  private readonly lastAsk = new Map<string, number>();

  constructor(private readonly store: ExecutorStore) {}

  /** Asks once which protocol the connection speaks; no answer in 2 s, or any other: legacy. */
  async probe(conn: ExecutorConnection): Promise<void> {
    const frame = controlFrame(conn.userId, 'capabilities');
    const id = frame.event_id as string;
    const asked = new Promise<unknown>((resolve) => {
      this.probes.set(id, { conn, resolve });
      if (!conn.send(frame)) resolve(undefined);
    });
    // No answer in time means the same as no answer: a legacy executor.
    const answer = await withTimeout(asked, PROBE_TIMEOUT_MS).catch(() => undefined);
    this.probes.delete(id);
    const capabilities = readCapabilities(answer);
    if (capabilities) {
      conn.protocol = 'managed';
      conn.clientId = capabilities.clientId;
      conn.supportsCancel = capabilities.supportsCancel;
    } else {
      conn.protocol = 'legacy';
    }
    if (!conn.closed) await this.store.setProtocol(conn.id, conn.protocol, conn.clientId);
  }

  /** `start`, once: the claim that bound the run to this connection was recorded first. */
  start(conn: ExecutorConnection, run: ClaimedRun): boolean {
    const data = JSON.parse(run.frame) as RunFrameData;
    const params: JsonObject = {};
    const variables = JSON.parse(data.run_param) as Array<{ varName: string; varValue: never }>;
    for (const { varName, varValue } of variables) params[varName] = varValue;
    const payload: StartPayload = {
      projectId: data.project_id,
      version: null,
      params,
      executionTimeout: null,
      recordingConfig: null,
    };
    const frame = controlFrame(
      conn.userId,
      'start',
      { clientId: run.client_id ?? conn.clientId ?? '', executionId: run.execution_id, payload },
      run.event_id,
    );
    this.remember(run.event_id, run.event_id, run.execution_id);
    return conn.send(frame);
  }

  /** `get`: the executor answers with the run's current receipt. */
  ask(conn: ExecutorConnection, eventId: string, executionId: string): void {
    const frame = controlFrame(conn.userId, 'get', {
      clientId: conn.clientId ?? '',
      executionId,
    });
    this.remember(frame.event_id as string, eventId, executionId);
    this.lastAsk.set(eventId, Date.now());
    conn.send(frame);
  }

  cancel(conn: ExecutorConnection, eventId: string, executionId: string, runId?: string): void {
    const frame = controlFrame(conn.userId, 'cancel', {
      clientId: conn.clientId ?? '',
      executionId,
      runId: runId ?? null,
    });
    this.remember(frame.event_id as string, eventId, executionId);
    conn.send(frame);
  }

  /**
   * A frame on the execution channel: the probe's answer, or a receipt, as the reply to a
   * command or unsolicited (matched by its executionId).
   */
  async onFrame(conn: ExecutorConnection, frame: BaseMsg): Promise<ReceiptEffect | null> {
    const replyTo = frame.reply_event_id;
    const probe = replyTo ? this.probes.get(replyTo) : undefined;
    if (probe && probe.conn === conn) {
      probe.resolve(frame.data);
      return null;
    }
    const asked = replyTo ? this.asked.get(replyTo) : undefined;
    const executionId = receiptExecutionId(frame.data);
    const eventId = asked?.eventId ?? (executionId ? await this.store.eventOf(executionId) : null);
    if (!eventId) {
      this.logger.debug(`Ignored an execution frame of executor ${conn.id} naming no known run`);
      return null;
    }
    const checked = checkReceipt(frame.data);
    if ('refused' in checked) {
      await this.refuse(conn, eventId, checked.refused);
      return null;
    }
    const { receipt } = checked;
    const outcome = await this.store.recordReceipt(
      eventId,
      conn.userId,
      receipt,
      isTerminal(receipt.status),
    );
    switch (outcome.kind) {
      case 'terminal':
        this.forget(eventId);
        return { eventId, endedOn: outcome.connId };
      case 'recorded':
        return { eventId };
      case 'mismatch':
        await this.refuse(conn, eventId, outcome.reason);
        return null;
      default:
        return null;
    }
  }

  /** A receipt that cannot be applied is logged and the run asked again (not in a hot loop). */
  private async refuse(conn: ExecutorConnection, eventId: string, reason: string): Promise<void> {
    this.logger.warn(`Refused a receipt of executor ${conn.id} for run ${eventId}: ${reason}`);
    const run = await this.store.get(eventId);
    // Only the run's own user's managed executor is asked about it.
    if (!run || run.user_id !== conn.userId || run.status !== 'dispatched') return;
    if (run.protocol !== 'managed' || !conn.managed || conn.clientId !== run.client_id) return;
    if (Date.now() - (this.lastAsk.get(eventId) ?? 0) < REASK_MIN_MS) return;
    this.ask(conn, eventId, run.execution_id);
    await this.store.markAsked(eventId);
  }

  private remember(commandId: string, eventId: string, executionId: string): void {
    this.asked.set(commandId, { eventId, executionId });
    setTimeout(() => {
      this.asked.delete(commandId);
      if (Date.now() - (this.lastAsk.get(eventId) ?? 0) >= REASK_MIN_MS)
        this.lastAsk.delete(eventId);
    }, ASKED_TTL_MS).unref();
  }

  private forget(eventId: string): void {
    this.lastAsk.delete(eventId);
  }
}
