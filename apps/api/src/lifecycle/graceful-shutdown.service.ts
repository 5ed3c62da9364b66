import type { Server } from 'node:http';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { NextFunction, Request, Response } from 'express';
import {
  APP_SHUTDOWN_EVENT,
  AppConfig,
  AppShutdownEvent,
  closeSseStreams,
  sendErrorEnvelope,
  sleep,
} from '@app/common';

/** Time kept back from SHUTDOWN_TIMEOUT_MS for closing the queue, database and Redis. */
const RESERVE_MS = 2000;

/**
 * Runs the graceful-shutdown drain (docs/operating.md) once, before Nest closes any module:
 * 1. stop accepting: the listening socket closes; requests arriving on kept-alive
 *    connections answer 503 with `Connection: close`; responses in flight close theirs;
 * 2. `app.shutdown` is emitted; its listeners tell their clients and wind down in parallel
 *    (SSE streams below, pending waits in the event bus, the queue worker, sockets);
 * 3. requests still in flight get until the drain deadline, then every connection closes.
 * main.ts exits the process when SHUTDOWN_TIMEOUT_MS is up, whatever is left.
 */
@Injectable()
export class GracefulShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdownService.name);
  private readonly inFlight = new Set<Response>();
  private draining?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly emitter: EventEmitter2,
    private readonly config: AppConfig,
  ) {}

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Installed first by bootstrap: tracks requests in flight and refuses new ones. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (this.stopping) {
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '1');
      sendErrorEnvelope(req, res, 503, {
        code: 'SERVICE_UNAVAILABLE',
        message: 'The server is shutting down; retry on another instance',
      });
      return;
    }
    this.inFlight.add(res);
    const done = () => this.inFlight.delete(res);
    res.once('finish', done);
    res.once('close', done);
    next();
  };

  beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining ??= this.drain(signal);
    return this.draining;
  }

  /** SSE streams are told and closed; ones that end themselves (rpa exec) get a moment. */
  @OnEvent(APP_SHUTDOWN_EVENT)
  async closeStreams(event: AppShutdownEvent): Promise<void> {
    const app = this.adapterHost.httpAdapter?.getInstance<object>();
    if (!app) return;
    const closed = await closeSseStreams(app, Math.max(event.deadline - Date.now(), 0));
    if (closed) this.logger.log(`Closed ${closed} SSE stream(s)`);
  }

  private async drain(signal?: string): Promise<void> {
    const started = Date.now();
    const budget = this.config.shutdownTimeoutMs;
    const deadline = started + Math.max(budget - Math.min(RESERVE_MS, budget / 4), budget / 2);
    this.stopping = true;
    this.logger.log(
      `Graceful shutdown${signal ? ` on ${signal}` : ''}: ${this.inFlight.size} request(s) in flight`,
    );
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const server = this.server();
    if (server?.listening) server.close();

    const event: AppShutdownEvent = { signal, deadline };
    const listeners = this.emitter
      .emitAsync(APP_SHUTDOWN_EVENT, event)
      .catch((err: Error) => this.logger.warn(`A shutdown listener failed: ${err.message}`));
    await Promise.race([listeners, sleep(deadline - Date.now())]);

    while (this.inFlight.size > 0 && Date.now() < deadline) await sleep(20);
    if (this.inFlight.size > 0) {
      this.logger.warn(`${this.inFlight.size} request(s) still in flight at the deadline`);
    }
    server?.closeAllConnections();
    this.logger.log(`Drained in ${Date.now() - started} ms`);
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
