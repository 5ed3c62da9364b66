import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import type { ErrorObject } from 'ajv';
import { AppConfig } from '../config/app-config';
import { FieldError } from '../errors/app.exception';
import { JsonObject } from '../types/json';
import { schemaBoundsProblem } from './schema-bounds';
import { SCHEMA_WORKER_SOURCE } from './schema-worker.source';

export type SchemaCheck =
  | { ok: true }
  | { ok: false; errors: FieldError[] }
  /** The schema itself is refused, or checking took longer than the budget allows. */
  | { ok: false; problem: string; errors: FieldError[] };

const MAX_CACHED = 1000;
const WORKERS = 2;
const DEFAULT_BUDGET_MS = 1000;

/** An object JSON Schema is one whose `type` is "object": only those validate inputs. */
export function isObjectSchema(schema: unknown): schema is JsonObject {
  return (
    !!schema &&
    typeof schema === 'object' &&
    !Array.isArray(schema) &&
    (schema as JsonObject).type === 'object'
  );
}

/**
 * Workflows are independent documents: a root `$id` must not clash with another workflow's
 * in the shared Ajv instance, and Ajv keeps compiled schemas by object, so each gets its own.
 */
function withoutId(schema: JsonObject): JsonObject {
  const { $id: _id, ...rest } = schema;
  return rest;
}

function toFieldErrors(errors: ErrorObject[] | null | undefined, root: string): FieldError[] {
  const byPath = new Map<string, string[]>();
  for (const error of errors ?? []) {
    let path = error.instancePath.replace(/\//g, '.');
    if (error.keyword === 'required') path += `.${String(error.params.missingProperty)}`;
    if (error.keyword === 'additionalProperties')
      path += `.${String(error.params.additionalProperty)}`;
    const field = `${root}${path}`;
    const message =
      error.keyword === 'additionalProperties' ? 'is not allowed' : (error.message ?? 'is invalid');
    byPath.set(field, [...(byPath.get(field) ?? []), message]);
  }
  return [...byPath].map(([field, messages]) => ({ field, errors: messages }));
}

interface Reply {
  id: number;
  ok: boolean;
  errors?: ErrorObject[];
  problem?: string;
}

interface Job {
  id: number;
  message: {
    id: number;
    op: 'check' | 'validate';
    key?: string;
    schema: JsonObject;
    value?: unknown;
  };
  resolve(reply: Reply | 'timeout'): void;
}

/** How long a new worker may take to load Ajv and re2js before it is given up on. */
const STARTUP_TIMEOUT_MS = 15_000;

/** One worker thread; a job that overruns the budget terminates it (a new one takes over). */
class SchemaWorker {
  private worker: Worker | null = null;
  private ready = false;
  job: Job | null = null;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly budgetMs: number,
    private readonly onIdle: () => void,
  ) {}

  /** Starts the thread ahead of the first job, so that no request waits for it to load. */
  warm(): void {
    this.worker ??= this.spawn();
  }

  private spawn(): Worker {
    // The worker loads Ajv and re2js from wherever this process finds its node_modules.
    const bases = [process.argv[1], join(process.cwd(), 'package.json')].filter(Boolean);
    const worker = new Worker(SCHEMA_WORKER_SOURCE, {
      eval: true,
      workerData: { bases, maxCached: MAX_CACHED },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    this.ready = false;
    worker.unref();
    const current = () => this.worker === worker;
    worker.on('message', (reply: Reply | { ready: true }) => {
      if (!current()) return;
      if ('ready' in reply) {
        this.ready = true;
        if (this.job) this.post(this.job);
        return;
      }
      this.settle(reply);
    });
    worker.on('error', (err: Error) => {
      if (current()) this.settle({ id: this.job?.id ?? -1, ok: false, problem: err.message }, true);
    });
    worker.on('exit', () => {
      if (!current()) return;
      this.worker = null;
      if (this.job) this.settle({ id: this.job.id, ok: false, problem: 'validation stopped' });
    });
    return worker;
  }

  run(job: Job): void {
    this.job = job;
    this.warm();
    if (this.ready) this.post(job);
    else this.timer = setTimeout(() => this.expire(), STARTUP_TIMEOUT_MS);
  }

  /** The budget counts from here: warming up a fresh worker is not the caller's fault. */
  private post(job: Job): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(), this.budgetMs);
    this.worker!.postMessage(job.message);
  }

  private expire(): void {
    const job = this.job;
    const worker = this.worker;
    this.worker = null;
    this.job = null;
    void worker?.terminate();
    job?.resolve('timeout');
    this.onIdle();
  }

  private settle(reply: Reply, broken = false): void {
    if (!this.job || reply.id !== this.job.id) return;
    clearTimeout(this.timer);
    const job = this.job;
    this.job = null;
    if (broken) {
      void this.worker?.terminate();
      this.worker = null;
    }
    job.resolve(reply);
    this.onIdle();
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

/**
 * Validates documents against workflows' JSON Schemas (draft-07, 2019-09, 2020-12 and the
 * formats of ajv-formats). A schema is user input: its shape is bounded, its patterns run on a
 * linear-time engine, and compiling and validating happen on worker threads with a time budget
 * per request, so no schema or document can hold this process's event loop (or its job locks).
 */
@Injectable()
export class JsonSchemaValidator implements OnModuleInit, OnModuleDestroy {
  private readonly budgetMs: number;
  private readonly workers: SchemaWorker[];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(@Optional() config?: AppConfig) {
    this.budgetMs = config?.schemaValidationBudgetMs ?? DEFAULT_BUDGET_MS;
    this.workers = Array.from(
      { length: WORKERS },
      () => new SchemaWorker(this.budgetMs, () => this.dispatch()),
    );
  }

  onModuleInit(): void {
    for (const worker of this.workers) worker.warm();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  /** Why a schema is refused, or null when it is usable. */
  async schemaProblem(schema: JsonObject): Promise<string | null> {
    const bounds = schemaBoundsProblem(schema);
    if (bounds) return bounds;
    const reply = await this.submit({ op: 'check', schema: withoutId(schema) });
    if (reply === 'timeout') return `compiling the schema took longer than ${this.budgetMs} ms`;
    return reply.ok ? null : (reply.problem ?? 'the schema does not compile');
  }

  /** Checks `value` against `schema`; `versionKey` identifies the schema for caching. */
  async validate(
    versionKey: string,
    schema: JsonObject,
    value: unknown,
    root = 'params',
  ): Promise<SchemaCheck> {
    const bounds = schemaBoundsProblem(schema);
    if (bounds) return this.unusable(root, `the workflow's schema is refused (${bounds})`);
    const reply = await this.submit({
      op: 'validate',
      key: versionKey,
      schema: withoutId(schema),
      value,
    });
    if (reply === 'timeout') {
      return this.unusable(root, `could not be checked within ${this.budgetMs} ms`);
    }
    if (reply.problem !== undefined) {
      return this.unusable(root, `the workflow's schema is refused (${reply.problem})`);
    }
    if (reply.ok) return { ok: true };
    return { ok: false, errors: toFieldErrors(reply.errors, root) };
  }

  private unusable(root: string, problem: string): SchemaCheck {
    return { ok: false, problem, errors: [{ field: root, errors: [problem] }] };
  }

  private submit(message: Omit<Job['message'], 'id'>): Promise<Reply | 'timeout'> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.queue.push({ id, message: { ...message, id }, resolve });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const worker of this.workers) {
      if (!this.queue.length) return;
      if (!worker.job) worker.run(this.queue.shift()!);
    }
  }
}
