// Facts read from a project's TypeScript/JavaScript code and npm manifests: Node producers that send
// Celery tasks (celery-node, raw protocol messages), and BullMQ queues/workers. Rules cross-check them
// against the Python side of the model (tasks, routes, worker -Q options).
import type { Location } from '../types.js';

/** A dependency from package.json (a range) or package-lock.json (what is installed). */
export interface NpmDependency {
  name: string;
  /** range as written in package.json ('^5.1.0'), or the locked version */
  specifier: string;
  /** exact version when a lock file says so or the range pins one */
  version: string | null;
  file: string;
  loc: Location;
  isLock: boolean;
}

/** How a Node producer hands a task to Celery. */
export type CeleryProducerKind =
  | 'celery-node-createTask' // client.createTask('name').applyAsync([...]) / .delay(...)
  | 'celery-node-sendTask' // client.sendTask('name', [...], {...})
  | 'raw-redis-lpush' // lpush of a protocol-v2 envelope whose headers.task is a literal
  | 'raw-amqp-publish'; // channel.publish/sendToQueue of such an envelope

export interface CeleryProducerCall {
  kind: CeleryProducerKind;
  /** task name when it is a string literal (or a const bound to one), else null */
  taskName: string | null;
  /** the call that sends the task (line used for findings) */
  loc: Location;
  /** where the task name is written (createTask('x') may be far from its applyAsync) */
  nameLoc: Location;
  /** number of positional args when the args array is a literal without spreads; null when unknown */
  positionalCount: number | null;
  /** keyword names when kwargs is an object literal without spreads; null when unknown; [] when none */
  kwargNames: string[] | null;
  /** queue/routing key named explicitly on the call or the task; null when the client default applies */
  queue: string | null;
  /** queue the client was created with (createClient's third argument); 'celery' when omitted; null when unknown */
  clientQueue: string | null;
  /** a `routingKey` passed in an options argument that celery-node (0.5.9) does not read: the message still goes to clientQueue */
  ignoredRoutingKey?: string | null;
}

/** `result.get()` on a celery-node AsyncResult. */
export interface CeleryResultWait {
  loc: Location;
  /** text of the timeout argument, or null when none was given (polls forever) */
  timeoutText: string | null;
}

/** A blocking (synchronous) call reached from a BullMQ processor. */
export interface BlockingCall {
  /** 'fs.readFileSync', 'execSync', 'Atomics.wait', 'busy loop' */
  callee: string;
  loc: Location;
  /** functions followed from the processor to the call, e.g. ['processor', 'hashPassword'] */
  via: string[];
}

export interface BullQueueDef {
  name: string | null;
  variable: string | null;
  loc: Location;
  /** keys of defaultJobOptions given to the Queue */
  defaultJobOptionKeys: string[];
}

export interface BullJobAdd {
  /** the Queue variable the call is made on */
  queueVariable: string;
  queueName: string | null;
  method: 'add' | 'addBulk';
  loc: Location;
  /** keys of the job options object; null when not a literal (unknown) */
  optionKeys: string[] | null;
}

export interface BullConnectionFact {
  /** 'inline' options object, an ioredis instance created in this project, or unknown */
  kind: 'inline' | 'ioredis-instance' | 'unknown';
  /** text of maxRetriesPerRequest's value when written ('null', '3'); null when not written */
  maxRetriesPerRequest: string | null;
  /** where the ioredis instance was created (for 'ioredis-instance') */
  instanceLoc?: Location;
}

export interface BullWorkerDef {
  className: 'Worker' | 'QueueEvents';
  name: string | null;
  variable: string | null;
  loc: Location;
  optionKeys: string[];
  connection: BullConnectionFact | null;
  /** events with a `.on(...)`/`.once(...)` listener on this variable */
  listenedEvents: string[];
  /** for Worker: the processor is a file path (sandboxed, runs in a child process) */
  sandboxed: boolean;
  blockingCalls: BlockingCall[];
}

/** Use of a BullMQ API that a major release removed. */
export interface BullRemovedApiUse {
  /** 'QueueScheduler', 'repeat', 'getRepeatableJobs', ... */
  api: string;
  loc: Location;
}

export interface TsModel {
  /** files ts-morph parsed (pre-filtered to those importing a queue/broker client) */
  parsedFiles: string[];
  npmDependencies: NpmDependency[];
  celeryProducers: CeleryProducerCall[];
  celeryResultWaits: CeleryResultWait[];
  bullQueues: BullQueueDef[];
  bullWorkers: BullWorkerDef[];
  bullJobAdds: BullJobAdd[];
  bullRemovedApis: BullRemovedApiUse[];
}
