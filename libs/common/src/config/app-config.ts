import { Injectable } from '@nestjs/common';
import { AppRole, ConfigValues, LogLevel, RobotMode } from './config.schema';

/**
 * Typed, read-only view of the validated configuration. The only place the service reads
 * settings from; nothing else touches process.env.
 */
@Injectable()
export class AppConfig {
  constructor(private readonly values: ConfigValues) {}

  get raw(): Readonly<ConfigValues> {
    return this.values;
  }
  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }
  get port(): number {
    return this.values.PORT;
  }
  get role(): AppRole {
    return this.values.APP_ROLE;
  }
  /** HTTP, WebSocket and MCP are served. */
  get servesApi(): boolean {
    return this.values.APP_ROLE !== 'worker';
  }
  /** Queue processors run in this process. */
  get runsWorker(): boolean {
    return this.values.APP_ROLE !== 'api';
  }
  get databaseUrl(): string {
    return this.values.DATABASE_URL;
  }
  get migrateOnStart(): boolean {
    return this.values.DB_MIGRATE;
  }
  get dbPoolSize(): number {
    return this.values.DB_POOL_SIZE;
  }
  get redisUrl(): string {
    return this.values.REDIS_URL;
  }
  get redisPrefix(): string {
    return this.values.REDIS_PREFIX;
  }
  get logLevel(): LogLevel {
    return this.values.LOG_LEVEL;
  }
  get logDir(): string {
    return this.values.LOG_DIR;
  }
  get bodyLimit(): number {
    return this.values.BODY_LIMIT;
  }
  get robot() {
    const v = this.values;
    return {
      mode: v.ROBOT_MODE as RobotMode,
      baseUrl: v.ROBOT_BASE_URL.replace(/\/+$/, ''),
      accessToken: v.ROBOT_ACCESS_TOKEN,
      pollMinMs: v.ROBOT_POLL_MIN_MS,
      pollMaxMs: v.ROBOT_POLL_MAX_MS,
      timeoutMs: v.ROBOT_TIMEOUT_MS,
      createAttempts: v.ROBOT_CREATE_ATTEMPTS,
      httpTimeoutMs: v.ROBOT_HTTP_TIMEOUT_MS,
      queryFailuresTolerated: v.ROBOT_QUERY_FAILURES_TOLERATED,
      simDelayMs: v.SIM_DELAY_MS,
    };
  }
  get execution() {
    const v = this.values;
    return {
      syncTimeoutMs: v.SYNC_EXECUTE_TIMEOUT_MS,
      concurrency: v.EXECUTION_CONCURRENCY,
      logLimit: v.EXECUTION_LOG_LIMIT,
      lockMs: v.JOB_LOCK_MS,
      stalledIntervalMs: v.JOB_STALLED_INTERVAL_MS,
    };
  }
  get auth() {
    const v = this.values;
    return {
      trustUserHeader: v.AUTH_TRUST_USER_HEADER,
      apiKeyPepper: v.API_KEY_PEPPER,
      apiKeyCacheTtlMs: v.API_KEY_CACHE_TTL_MS,
      apiKeyTouchFlushMs: v.API_KEY_TOUCH_FLUSH_MS,
      adminToken: v.ADMIN_TOKEN,
    };
  }
  get mcpToolTimeoutMs(): number {
    return this.values.MCP_TOOL_TIMEOUT_MS;
  }
  get mcp() {
    const v = this.values;
    return {
      allowQueryKey: v.MCP_ALLOW_QUERY_KEY,
      maxBatch: v.MCP_MAX_BATCH,
      toolsPage: { maxTools: v.MCP_TOOLS_PAGE_SIZE, maxBytes: v.MCP_TOOLS_PAGE_BYTES },
    };
  }
  get retention() {
    return {
      days: this.values.EXECUTION_RETENTION_DAYS,
      batchSize: this.values.RETENTION_BATCH_SIZE,
    };
  }
  get ssePingMs(): number {
    return this.values.SSE_PING_MS;
  }
  /** Graceful shutdown budget: the process exits within it, whatever is left. */
  get shutdownTimeoutMs(): number {
    return this.values.SHUTDOWN_TIMEOUT_MS;
  }
  /** Workers look for executions left without a live job at start. */
  get reconcileOnStart(): boolean {
    return this.values.RECONCILE_ON_START;
  }
  /** Empty: /metrics is open (protect it at the network level). */
  get metricsToken(): string {
    return this.values.METRICS_TOKEN;
  }
  get limits() {
    const v = this.values;
    return {
      /** Starts per API key per minute, shared by every start route; 0 disables. */
      startPerMinute: v.RATE_LIMIT_START_PER_MINUTE,
      /** PENDING + RUNNING executions a user may have; 0 is unlimited. */
      maxActivePerUser: v.MAX_ACTIVE_EXECUTIONS_PER_USER,
    };
  }
  get webhooks() {
    const v = this.values;
    return {
      allowPrivateTargets: v.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      maxAttempts: v.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: v.WEBHOOK_BACKOFF_BASE_MS,
      concurrency: v.WEBHOOK_CONCURRENCY,
      maxPerUser: v.WEBHOOK_MAX_PER_USER,
    };
  }
  get schedules() {
    const v = this.values;
    return {
      maxPerWorkflow: v.SCHEDULE_MAX_PER_WORKFLOW,
      minIntervalMs: v.SCHEDULE_MIN_INTERVAL_MS,
      resyncMs: v.SCHEDULE_RESYNC_MS,
    };
  }
}
