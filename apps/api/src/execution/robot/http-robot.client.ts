import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import {
  RobotCallContext,
  RobotClient,
  RobotError,
  RobotTaskInput,
  RobotTaskState,
  parseTaskState,
} from './robot-client';

interface Envelope {
  code?: unknown;
  msg?: unknown;
  data?: Record<string, unknown> | null;
}

/** Talks to a robot service over HTTP (DESIGN §6): the platform's existing task API. */
@Injectable()
export class HttpRobotClient extends RobotClient {
  private readonly baseUrl: string;

  constructor(private readonly config: AppConfig) {
    super();
    this.baseUrl = config.robot.baseUrl;
  }

  async createTask(input: RobotTaskInput, ctx: RobotCallContext): Promise<string> {
    const data = await this.call('POST', '/workflows/execute-async', ctx, input);
    const id = data?.executionId;
    if ((typeof id !== 'string' && typeof id !== 'number') || id === '') {
      throw new RobotError('robot answered without an executionId', false);
    }
    return String(id);
  }

  async getTask(taskId: string, ctx: RobotCallContext): Promise<RobotTaskState> {
    const data = await this.call('GET', `/executions/${encodeURIComponent(taskId)}`, ctx);
    return parseTaskState(data?.execution);
  }

  async cancelTask(taskId: string, ctx: RobotCallContext): Promise<void> {
    await this.call('POST', `/executions/${encodeURIComponent(taskId)}/cancel`, ctx);
  }

  async ping(): Promise<void> {
    // Any HTTP answer proves reachability; only transport errors count as down.
    await fetch(this.baseUrl, { method: 'HEAD', signal: AbortSignal.timeout(1000) }).then((res) =>
      res.body?.cancel(),
    );
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    ctx: RobotCallContext,
    body?: unknown,
  ): Promise<Record<string, unknown> | null | undefined> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'idempotency-key': ctx.executionId,
    };
    if (this.config.robot.accessToken)
      headers.authorization = `Bearer ${this.config.robot.accessToken}`;
    if (ctx.requestId) headers['x-request-id'] = ctx.requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';

    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.robot.httpTimeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new RobotError(`${method} ${path}: ${cause ?? (err as Error).message}`, true);
    }
    const text = await res.text();
    let envelope: Envelope | undefined;
    try {
      envelope = text ? (JSON.parse(text) as Envelope) : undefined;
    } catch {
      envelope = undefined;
    }
    if (res.status >= 500) {
      throw new RobotError(`${method} ${path}: HTTP ${res.status}`, true, res.status);
    }
    if (res.status >= 400) {
      const msg = typeof envelope?.msg === 'string' && envelope.msg ? `: ${envelope.msg}` : '';
      throw new RobotError(`${method} ${path}: HTTP ${res.status}${msg}`, false, res.status);
    }
    if (!envelope) throw new RobotError(`${method} ${path}: answer is not JSON`, true, res.status);
    if (String(envelope.code) !== '0000' && String(envelope.code) !== '0') {
      // The platform's robots answer business errors with HTTP 200 and a non-zero code.
      const msg =
        typeof envelope.msg === 'string' && envelope.msg
          ? envelope.msg
          : `code ${String(envelope.code)}`;
      throw new RobotError(`${method} ${path}: ${msg}`, false, res.status);
    }
    return envelope.data;
  }
}
