/**
 * Emitted in-process (EventEmitter2, `emitAsync`) once, when the process starts its graceful
 * shutdown, after it stopped accepting connections and before any module closes. Listeners
 * (`@OnEvent(APP_SHUTDOWN_EVENT)`) tell their clients and wind down; the shutdown waits for
 * the promises they return, up to `deadline`.
 */
export const APP_SHUTDOWN_EVENT = 'app.shutdown';

export interface AppShutdownEvent {
  /** The signal that started it, when there was one. */
  signal?: string;
  /** Epoch ms by which listeners should be done; the process exits soon after. */
  deadline: number;
}
