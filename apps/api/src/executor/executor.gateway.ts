import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OnEvent } from '@nestjs/event-emitter';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import {
  AppConfig,
  AppException,
  Authenticator,
  Credentials,
  credentialsFromHeaders,
} from '@app/common';
import { ApiKeyEvents, ApiKeyRevokedEvent } from '../api-key';
import { CloseCodes } from './executor.constants';
import { ExecutorConnection } from './executor-connection';
import { BadFrame, BaseMsg, Channel, exitFrame, parseFrame, PONG } from './executor-frames';
import { ExecutorHub } from './executor.hub';
import { EXECUTION_CHANNEL } from './executor-managed';

export const EXECUTOR_WS_PATH = '/ws';

/**
 * The executors' endpoint (plain WebSocket at `/ws`, on the HTTP server's port next to
 * Socket.IO's `/socket.io`). Authenticates the upgrade, then reads the engine's frames:
 * ping → pong, replies to runs, anything malformed → an `exit` frame (the connection stays).
 */
@Injectable()
export class ExecutorGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutorGateway.name);
  private readonly server: WebSocketServer;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.upgrade(req, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly hub: ExecutorHub,
    config: AppConfig,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      // Connections are tracked by ExecutorHub.
      clientTracking: false,
      maxPayload: config.bodyLimit,
      perMessageDeflate: false,
    });
  }

  onApplicationBootstrap(): void {
    this.adapterHost.httpAdapter.getHttpServer().on('upgrade', this.onUpgrade);
  }

  beforeApplicationShutdown(): void {
    this.adapterHost.httpAdapter.getHttpServer().off('upgrade', this.onUpgrade);
  }

  @OnEvent(ApiKeyEvents.Revoked)
  onKeysRevoked(event: ApiKeyRevokedEvent): void {
    this.hub.closeKeys((event.key_ids ?? []).filter((id) => Number.isInteger(id)));
  }

  /** Other paths (Socket.IO's) are left to their own listeners. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== EXECUTOR_WS_PATH && url.pathname !== `${EXECUTOR_WS_PATH}/`) return;
    // Only what the connection needs is kept: holding the upgrade request costs memory.
    const credentials = credentialsFromHeaders(
      req.headers,
      url.searchParams.get('key') ?? undefined,
    );
    const address = req.socket.remoteAddress ?? '';
    this.server.handleUpgrade(req, socket, head, (ws) => this.accept(ws, credentials, address));
  }

  /**
   * The upgrade completes first, so a refusal reaches the executor as close code 1008 with
   * its reason; frames that arrive while the credentials are checked wait for the outcome.
   */
  private accept(ws: WebSocket, credentials: Credentials, address: string): void {
    const early: Array<[RawData, boolean]> = [];
    const buffer = (data: RawData, isBinary: boolean) => early.push([data, isBinary]);
    ws.on('message', buffer);
    ws.on('error', (err) => this.logger.debug(`executor socket error: ${err.message}`));
    this.authenticate(credentials)
      .then(
        async (principal) => {
          if (ws.readyState !== WebSocket.OPEN) return;
          const conn = new ExecutorConnection(
            ws,
            principal.userId,
            address,
            principal.keyId,
            principal.expiresAt,
          );
          ws.off('message', buffer);
          ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
          ws.on(
            'close',
            (code, reason) =>
              void this.hub.remove(conn, `closed (${code}${reason.length ? ` ${reason}` : ''})`),
          );
          await this.hub.add(conn);
          for (const [data, isBinary] of early) this.onFrame(conn, data, isBinary);
        },
        (err: unknown) => {
          const message =
            err instanceof AppException ? err.message : 'The credentials could not be checked';
          if (!(err instanceof AppException))
            this.logger.error({ err }, 'Executor handshake failed');
          ws.close(CloseCodes.PolicyViolation, message.slice(0, 120));
        },
      )
      .catch((err: unknown) => {
        // Presence could not be recorded (Redis away): the executor retries later.
        this.logger.error({ err }, 'Executor connection could not be registered');
        ws.close(CloseCodes.InternalError, 'The server could not register the connection');
      });
  }

  private async authenticate(credentials: Credentials) {
    const principal = await this.authenticator.authenticate(credentials, ['user', 'key']);
    if (!principal.scopes.includes('execute')) {
      throw new AppException('FORBIDDEN', 'This API key lacks the scope: execute');
    }
    return principal;
  }

  private onFrame(conn: ExecutorConnection, data: RawData, isBinary: boolean): void {
    this.hub.seen(conn);
    if (isBinary) {
      conn.send(exitFrame('BAD_FRAME', 'Frames must be JSON text, not binary'));
      return;
    }
    let frame: BaseMsg;
    try {
      frame = parseFrame(rawText(data));
    } catch (err) {
      if (!(err instanceof BadFrame)) throw err;
      conn.send(exitFrame('BAD_FRAME', `Invalid frame: ${err.message}`));
      return;
    }
    this.handle(conn, frame).catch((err: unknown) =>
      this.logger.warn(`Executor frame on ${frame.channel} failed: ${(err as Error).message}`),
    );
  }

  private async handle(conn: ExecutorConnection, frame: BaseMsg): Promise<void> {
    switch (frame.channel) {
      case Channel.Ping:
        conn.send(PONG);
        await this.hub.pinged(conn);
        return;
      case Channel.Pong:
      case Channel.Ack:
        return;
      case Channel.Exit:
        this.logger.warn(`Executor ${conn.id} sent exit: ${JSON.stringify(frame.data ?? null)}`);
        return;
    }
    if (frame.channel === EXECUTION_CHANNEL) {
      await this.hub.execution(conn, frame);
      return;
    }
    if (frame.reply_event_id) {
      await this.hub.reply(conn, frame.reply_event_id, frame.data);
      return;
    }
    if (frame.need_reply) {
      // The engine's own server answers an unknown route with an error reply.
      conn.send({
        channel: frame.channel,
        key: frame.key,
        uuid: '$root$',
        send_uuid: conn.userId,
        reply_event_id: frame.event_id,
        event_time: Math.floor(Date.now() / 1000),
        data: { code: '5001', msg: `Unknown route ${frame.channel}/${frame.key ?? ''}` },
      });
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
