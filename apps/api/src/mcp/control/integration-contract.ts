import { AppConfig } from '@app/common';
import {
  MAX_EXECUTION_TIMEOUT_S,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_LIST_LIMIT,
} from './control-tools';
import { ExecutorStatus } from './executor-presence';

/**
 * `astron_integration_get`: the contract the platform's clients check before they start
 * anything (its version, the operations, durable idempotency), this service's limits, and
 * whether the caller's executor can take a run now.
 */
export function integrationContract(config: AppConfig, executor: ExecutorStatus) {
  const robotTimeoutS = Math.floor(config.robot.timeoutMs / 1000);
  return {
    contractVersion: 1,
    serviceVersion: '1.0.0',
    profileSchemaVersion: 1,
    requiredClientProtocol: 1,
    durableIdempotency: true,
    operations: [
      'integration_get',
      'workflow_list',
      'workflow_get',
      'workflow_execute',
      'execution_get',
      'execution_cancel',
    ],
    capabilityClasses: [],
    limits: {
      workflowListMaxLimit: MAX_LIST_LIMIT,
      idempotencyKeyMaxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
      executionTimeoutMaxSeconds: Math.max(1, Math.min(MAX_EXECUTION_TIMEOUT_S, robotTimeoutS)),
      startsPerMinute: config.limits.startPerMinute || null,
    },
    client: { state: executor.ready ? 'ready' : 'offline', protocol: null, supportsCancel: true },
    executor,
    limitations: [],
  };
}
