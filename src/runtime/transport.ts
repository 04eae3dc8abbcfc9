// The producer side of jobctl, independent of the broker: publish a task, wait for its result,
// and run remote-control commands (ping/stats/registered/revoke). Redis is implemented in
// redis-transport.ts; an AMQP implementation (amqplib) would implement the same interface
// with the same message builders from protocol.ts.
import type { TaskCall, TaskResult } from './protocol.js';

export interface PublishOptions {
  /** the queue (routing key on the default exchange '') */
  queue: string;
}

export interface CallOptions extends PublishOptions {
  timeoutMs: number;
}

/** replies keyed by worker node name, e.g. { 'jobctl-smoke-ab12@host': { ok: 'pong' } } */
export type ControlReplies = Record<string, unknown>;

export interface ControlOptions {
  /** node names to ask; null = every worker on the broker (avoid on shared brokers) */
  destination: string[] | null;
  timeoutMs: number;
}

export interface CeleryTransport {
  /** Publish one task; resolves with its id once the broker has it. */
  publish(call: TaskCall, opts: PublishOptions): Promise<string>;
  /** Publish and wait for the final result (SUCCESS/FAILURE/REVOKED). null on timeout. The waiter is
   * registered before publishing so a fast worker cannot beat it. */
  call(call: TaskCall, opts: CallOptions): Promise<{ id: string; result: TaskResult | null; elapsedMs: number }>;
  /** Wait for the final result of an already published task. */
  waitResult(id: string, timeoutMs: number): Promise<TaskResult | null>;
  /** Broadcast a remote-control command and collect replies. */
  control(method: string, args: Record<string, unknown>, opts: ControlOptions): Promise<ControlReplies>;
  /** Close every connection (never deletes anything it did not create). */
  close(): Promise<void>;
}

export const FINAL_STATES = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
