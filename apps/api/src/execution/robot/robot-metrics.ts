import { MetricsService } from '../../metrics';
import { RobotClient, RobotError } from './robot-client';

/** The robot calls the series of /metrics distinguish. */
export const ROBOT_OPERATIONS = ['create', 'query', 'cancel'] as const;
export type RobotOperation = (typeof ROBOT_OPERATIONS)[number];

/** Why a robot call failed, as the robot error series label it. */
export const ROBOT_ERROR_KINDS = [
  'transport',
  'http_5xx',
  'http_4xx',
  'rejected',
  'other',
] as const;
export type RobotErrorKind = (typeof ROBOT_ERROR_KINDS)[number];

export function robotErrorKind(err: unknown): RobotErrorKind {
  if (!(err instanceof RobotError)) return 'other';
  if (err.status === undefined) return 'transport';
  if (err.status >= 500) return 'http_5xx';
  if (err.status >= 400) return 'http_4xx';
  return 'rejected';
}

const OPERATIONS: Record<RobotOperation, 'createTask' | 'getTask' | 'cancelTask'> = {
  create: 'createTask',
  query: 'getTask',
  cancel: 'cancelTask',
};

/**
 * Times every robot call of `client` into the robot series of /metrics, so neither the
 * runner nor the transports know about metrics. The instance keeps its class (tests reach
 * the in-process simulator through SimulatorRobotClient), only its three calls are wrapped.
 */
export function instrumentRobotClient<T extends RobotClient>(
  client: T,
  metrics: MetricsService,
): T {
  // Known label values start at 0, so rates and alerts have a series from the first scrape.
  metrics.declareRobotSeries(ROBOT_OPERATIONS, ROBOT_ERROR_KINDS);
  for (const [operation, method] of Object.entries(OPERATIONS) as Array<
    [RobotOperation, (typeof OPERATIONS)[RobotOperation]]
  >) {
    const call = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
    const timed = async (...args: unknown[]): Promise<unknown> => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const result = await call(...args);
        metrics.observeRobotCall(operation, seconds());
        return result;
      } catch (err) {
        metrics.observeRobotCall(operation, seconds(), robotErrorKind(err));
        throw err;
      }
    };
    Object.defineProperty(client, method, { value: timed, configurable: true, writable: true });
  }
  return client;
}
