// The fleet's broker, Redis or RabbitMQ, behind one shape: a CeleryTransport (publish, results,
// pidbox control) and a task-event receiver. Results are read from a Redis result backend on both
// (on RabbitMQ the fleet's --result-backend; jobctl cannot read another producer's RPC replies).
import { AmqpCeleryTransport } from './amqp-transport.js';
import { RedisCeleryTransport } from './redis-transport.js';
import { kindOfScheme, parseBrokerUrl, producerAmqpUrl } from './broker.js';
import { openAmqpEventReceiver, openRedisEventReceiver, type EventReceiver, type TaskEvent } from './events.js';
import type { CeleryTransport } from './transport.js';
import { JobctlError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/mask.js';

export interface FleetConnection {
  kind: 'redis' | 'rabbitmq';
  transport: CeleryTransport;
  backendUrl: string;
  openEvents(onEvent: (e: TaskEvent) => void): Promise<EventReceiver>;
}

export async function openFleetConnection(brokerUrl: string, backend: string | undefined): Promise<FleetConnection> {
  const kind = kindOfScheme(parseBrokerUrl(brokerUrl).scheme) ?? 'redis';
  if (kind === 'rabbitmq') {
    if (!backend || kindOfScheme(parseBrokerUrl(backend).scheme) !== 'redis') {
      throw new JobctlError(`--broker ${maskUrlCredentials(brokerUrl)} is RabbitMQ: pass the fleet's Redis result backend with --result-backend (or JOBCTL_RESULT_BACKEND); jobctl reads results from Redis${backend ? `, not ${maskUrlCredentials(backend)}` : ''}`);
    }
    const url = producerAmqpUrl(brokerUrl);
    const transport = await AmqpCeleryTransport.open({ brokerUrl: url, backend: { kind: 'redis', url: backend }, deleteResults: true });
    return { kind, transport, backendUrl: backend, openEvents: (on) => openAmqpEventReceiver(url, on) };
  }
  const backendUrl = backend ?? brokerUrl;
  const transport = await RedisCeleryTransport.open({ brokerUrl, backendUrl, deleteResults: true });
  return { kind, transport, backendUrl, openEvents: (on) => openRedisEventReceiver(brokerUrl, on) };
}
