import { startOwnRabbit } from './dist/src/runtime/rabbitmq-server.js';
import { snapshotShared, removeSharedCreatedSince, AmqpCeleryTransport } from './dist/src/runtime/amqp-transport.js';
const r = await startOwnRabbit();
try {
  const before = await snapshotShared(r.url());
  console.log('before', before);
  const t = await AmqpCeleryTransport.open({ brokerUrl: r.url(), backend: { kind: 'rpc' } });
  console.log(await t.control('ping', {}, { destination: ['x@y'], timeoutMs: 300 }));
  await t.close();
  console.log(await r.ctl(['list_exchanges', '-p', 'jobctl', '-q', '-s', 'name']));
  try { console.log('removed', await removeSharedCreatedSince(r.url(), before)); } catch (e) { console.log('ERR', e); }
  console.log(await r.ctl(['list_exchanges', '-p', 'jobctl', '-q', '-s', 'name']));
} finally { await r.stop(); }
