import { Type } from '@nestjs/common';
import { ApplicationConfig, ModuleRef, ModulesContainer } from '@nestjs/core';
import type { WorkerHost } from '@nestjs/bullmq';
import { AppConfig } from '@app/common';
import { ExecutionController } from '../apps/api/src/execution/execution.controller';
import { ExecutionEventBus } from '../apps/api/src/execution/execution-event.bus';
import { ExecutionProcessor } from '../apps/api/src/execution/execution.processor';
import { ExecutionService } from '../apps/api/src/execution/execution.service';
import { RobotClient } from '../apps/api/src/execution/robot/robot-client';
import { ScheduleProcessor } from '../apps/api/src/schedule/schedule.processor';
import { WebhookDeliveryProcessor } from '../apps/api/src/webhook/webhook-delivery.processor';
import { webhookBackoffMs } from '../apps/api/src/webhook/webhook.constants';
import { WebhookDispatcher } from '../apps/api/src/webhook/webhook.dispatcher';
import { WorkflowService } from '../apps/api/src/workflow/workflow.service';
import { TestApp, startTestApp } from './support/app';

type Role = 'all' | 'api' | 'worker';

/** Every module's providers, by token: a token provided by two modules is built twice. */
function modulesProviding(sut: TestApp): Map<unknown, string[]> {
  const byToken = new Map<unknown, string[]>();
  for (const module of sut.app.get(ModulesContainer).values()) {
    for (const [token, wrapper] of module.providers) {
      // Nest gives every module its own ModuleRef, ApplicationConfig and the module class.
      if ([ModuleRef, ApplicationConfig, module.metatype].includes(token as Type)) continue;
      if (wrapper.isAlias) continue;
      byToken.set(token, [...(byToken.get(token) ?? []), module.metatype.name]);
    }
  }
  return byToken;
}

const count = (sut: TestApp, token: unknown) => modulesProviding(sut).get(token)?.length ?? 0;

/**
 * AppModule composes every feature's core module in every role and its routes and processors by
 * APP_ROLE. Core modules are shared, never built twice (one event bus subscribed once).
 */
describe('Application roles (e2e)', () => {
  const apps: Partial<Record<Role, TestApp>> = {};
  const env = {
    EXECUTION_CONCURRENCY: '7',
    WEBHOOK_CONCURRENCY: '5',
    WEBHOOK_BACKOFF_BASE_MS: '1000',
    JOB_LOCK_MS: '12000',
    JOB_STALLED_INTERVAL_MS: '4000',
    LOG_LEVEL: 'error',
  };

  beforeAll(async () => {
    apps.all = await startTestApp(env);
    apps.api = await startTestApp({ APP_ROLE: 'api' }, { shareEnvOf: apps.all });
    apps.worker = await startTestApp({ APP_ROLE: 'worker' }, { shareEnvOf: apps.all });
  });
  afterAll(async () => {
    await apps.worker?.close();
    await apps.api?.close();
    await apps.all?.close();
  });

  describe.each(['all', 'api', 'worker'] as const)('APP_ROLE=%s', (role) => {
    it('should build every provider once', () => {
      const twice = [...modulesProviding(apps[role]!)]
        .filter(([, modules]) => modules.length > 1)
        .map(([token, modules]) => `${String((token as Type).name ?? token)}: ${modules}`);

      expect(twice).toEqual([]);
      for (const shared of [
        ExecutionService,
        ExecutionEventBus,
        WorkflowService,
        RobotClient,
        WebhookDispatcher,
      ]) {
        expect(count(apps[role]!, shared)).toBe(1);
      }
    });

    it('should serve routes and run processors by role', () => {
      const sut = apps[role]!;

      expect(count(sut, ExecutionProcessor)).toBe(role === 'api' ? 0 : 1);
      expect(count(sut, WebhookDeliveryProcessor)).toBe(role === 'api' ? 0 : 1);
      expect(count(sut, ScheduleProcessor)).toBe(role === 'api' ? 0 : 1);
      const controllers = [...sut.app.get(ModulesContainer).values()].flatMap((m) => [
        ...m.controllers.keys(),
      ]);
      expect(controllers.includes(ExecutionController)).toBe(role !== 'worker');
    });
  });

  it("should give each queue's worker its options from configuration", () => {
    const sut = apps.all!;
    const config = sut.app.get(AppConfig);
    const opts = (processor: Type<WorkerHost>) => sut.app.get(processor).worker.opts;
    const locks = { lockDuration: 12_000, stalledInterval: 4_000 };

    expect(config.execution).toMatchObject({ concurrency: 7, lockMs: 12_000 });
    expect(opts(ExecutionProcessor)).toMatchObject({
      concurrency: 7,
      ...locks,
      maxStalledCount: 10,
    });
    expect(opts(ScheduleProcessor)).toMatchObject({
      concurrency: 10,
      ...locks,
      maxStalledCount: 3,
    });
    const webhook = opts(WebhookDeliveryProcessor);
    expect(webhook).toMatchObject({ concurrency: 5, ...locks, maxStalledCount: 3 });
    expect([1, 2, 4].map((n) => webhook.settings?.backoffStrategy?.(n, 'webhook'))).toEqual(
      [1, 2, 4].map((n) => webhookBackoffMs(n, 1000)),
    );
  });
});
