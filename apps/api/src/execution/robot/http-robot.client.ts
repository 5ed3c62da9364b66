import http from 'node:http';
import https from 'node:https';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, injectTraceHeaders, inSpan, SpanKind } from '@app/common';
import {
  RobotCallContext,
  RobotClient,
  RobotError,
  RobotTaskInput,
  RobotTaskState,
  parseTaskState,
} from './robot-client';
import { callbackUrl } from './robot-callback-token';

interface Envelope {
  code?: unknown;
  msg?: unknown;
  data?: Record<string, unknown> | null;
}

interface RawAnswer {
  status: number;
  text: string;
}

/**
 * Talks to a robot service over HTTP (docs/robot-service.md): the platform's existing task API. Uses
 * node:http with a keep-alive pool: every run polls, and fetch() costs several times more CPU
 * per call.
 */
@Injectable()
export class HttpRobotClient extends RobotClient implements OnApplicationShutdown {
  private readonly baseUrl: URL;
  private readonly agent: http.Agent;

  constructor(private readonly config: AppConfig) {
    super();
    this.baseUrl = new URL(config.robot.baseUrl);
    const Agent = this.baseUrl.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  /** With PUBLIC_BASE_URL set, the robot calls back when a task ends (docs/robot-service.md). */
  override get pushesEnd(): boolean {
    return this.config.robot.publicBaseUrl !== '';
  }

  async createTask(input: RobotTaskInput, ctx: RobotCallContext): Promise<string> {
    const { project_id, params, exec_position } = input;
    const { publicBaseUrl, callbackTokenKey } = this.config.robot;
    const callback =
      this.pushesEnd && input.user_id !== undefined
        ? {
            callback_url: callbackUrl(
              publicBaseUrl,
              callbackTokenKey,
              input.user_id,
              ctx.executionId,
            ),
          }
        : {};
    const data = await this.call('POST', '/workflows/execute-async', ctx, {
      project_id,
      params,
      exec_position,
      ...callback,
    });
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

    const res = await inSpan(
      `robot ${method}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.path': path } },
      async (span) => {
        injectTraceHeaders(headers);
        try {
          const answer = await this.send(
            method,
            path,
            headers,
            body === undefined ? undefined : JSON.stringify(body),
          );
          span.setAttribute('http.response.status_code', answer.status);
          return answer;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new RobotError(`${method} ${path}: ${code ?? (err as Error).message}`, true);
        }
      },
    );
    const text = res.text;
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

  /**
   * One request over the keep-alive pool. A pooled connection the robot closed while idle
   * fails at once with ECONNRESET/EPIPE before the robot read anything: that request is
   * sent again, once, on a fresh connection (what HTTP clients do for idle-connection races).
   */
  private async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
    timeoutMs = this.config.robot.httpTimeoutMs,
  ): Promise<RawAnswer> {
    try {
      return await this.sendOnce(method, path, headers, body, timeoutMs);
    } catch (err) {
      const { code, reusedSocket } = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (!reusedSocket || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw err;
      return this.sendOnce(method, path, headers, body, timeoutMs);
    }
  }

  private sendOnce(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<RawAnswer> {
    const target = new URL(this.baseUrl.pathname.replace(/\/$/, '') + path, this.baseUrl);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        target,
        {
          method,
          agent: this.agent,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(
          Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
        ),
      );
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(body);
    });
  }
}
