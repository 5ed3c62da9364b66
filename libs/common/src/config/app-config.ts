import { Injectable } from '@nestjs/common';
import { AppRole, ConfigValues, LogLevel, OtelSampler, RobotMode } from './config.schema';

/**
 * Typed, read-only view of the validated configuration. The only place the service reads
 * settings from; nothing else touches process.env.
 */
@Injectable()
export class AppConfig {
  constructor(private readonly values: ConfigValues) {}

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
  /** Shape of any JSON body: nesting, members in all, characters of one string. */
  get bodyBounds() {
    const v = this.values;
    return {
      maxDepth: v.BODY_MAX_DEPTH,
      maxNodes: v.BODY_MAX_MEMBERS,
      maxString: v.BODY_MAX_STRING,
    };
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
      /** Between looks at a task whose end is pushed (executor replies, callbacks). */
      pollFallbackMs: v.ROBOT_POLL_FALLBACK_MS,
      /** Robot queries per second across every worker process; 0: unbounded. */
      pollRateMax: v.ROBOT_POLL_RATE_MAX,
      /** Where a robot service reaches this one (callback_url); empty: no callbacks. */
      publicBaseUrl: v.PUBLIC_BASE_URL.replace(/\/+$/, ''),
      /** Set: a callback must carry a valid X-RPA-Signature made with it. */
      callbackSigningSecret: v.ROBOT_CALLBACK_SIGNING_SECRET,
      /** Keys the token in each callback_url (derived: one secret fewer to manage). */
      callbackTokenKey: `robot-callback:${v.API_KEY_PEPPER}`,
      simDelayMs: v.SIM_DELAY_MS,
      /** `params.__sim` changes how the in-process simulator runs a task (tests, demos). */
      simParamsOverrides: v.SIM_PARAMS_OVERRIDES,
    };
  }
  /** The executor bridge (`/ws`, ROBOT_MODE=executor). */
  get executor() {
    const v = this.values;
    return {
      pingTimeoutMs: v.EXECUTOR_PING_TIMEOUT_MS,
      waitMs: v.EXECUTOR_WAIT_MS,
      lostGraceMs: v.EXECUTOR_LOST_GRACE_MS,
      maxRunsPerConnection: v.EXECUTOR_MAX_RUNS,
      /** A managed executor silent this long about a run is asked for its receipt (`get`). */
      receiptMs: v.EXECUTOR_RECEIPT_MS,
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
      /** Waiting runs are ordered round-robin between users within each priority level. */
      fairShare: v.FAIR_SHARE,
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
  /** CPU time one request may spend compiling or checking a workflow's JSON Schema. */
  get schemaValidationBudgetMs(): number {
    return this.values.SCHEMA_VALIDATION_BUDGET_MS;
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
  /** Workers look again every this often (under a MySQL lock); 0 turns it off. */
  get reconcileIntervalMs(): number {
    return this.values.RECONCILE_INTERVAL_MS;
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
      /** Open SSE streams per API key (or trusted user) in one process; 0 is unlimited. */
      sseStreamsPerKey: v.SSE_MAX_STREAMS_PER_KEY,
      /** Open Socket.IO connections per API key (or trusted user) in one process; 0 is unlimited. */
      socketsPerKey: v.SOCKET_MAX_PER_KEY,
    };
  }
  get webhooks() {
    const v = this.values;
    return {
      /** Seals signing secrets at rest (never the API key pepper). */
      // Outside production an unset key (no .env.default at hand) gets a development one.
      secretKey: v.WEBHOOK_SECRET_KEY || `development-webhook-key:${v.API_KEY_PEPPER}`,
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
  /**
   * Traces are exported only when asked for: OTEL_TRACES_EXPORTER=otlp|console, or an OTLP
   * endpoint with no exporter named. The OTLP traces URL follows the OpenTelemetry rule: the
   * signal-specific endpoint as given, else the base endpoint plus /v1/traces.
   */
  get tracing() {
    const v = this.values;
    const endpoint = v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ? v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      : v.OTEL_EXPORTER_OTLP_ENDPOINT
        ? `${v.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
        : '';
    const named = v.OTEL_TRACES_EXPORTER;
    const exporter: 'otlp' | 'console' | null = v.OTEL_SDK_DISABLED
      ? null
      : named === 'otlp' || named === 'console'
        ? named
        : named === '' && endpoint
          ? 'otlp'
          : null;
    return {
      exporter,
      otlpUrl: endpoint || 'http://localhost:4318/v1/traces',
      otlpHeaders: v.OTEL_EXPORTER_OTLP_HEADERS,
      serviceName: v.OTEL_SERVICE_NAME,
      sampler: v.OTEL_TRACES_SAMPLER as OtelSampler,
      samplerRatio: v.OTEL_TRACES_SAMPLER_ARG,
    };
  }
}
