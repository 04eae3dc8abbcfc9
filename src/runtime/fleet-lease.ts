// `--fleet --shard i/N`: N producers of one run switch the fleet's task events on, and the first one
// to finish must not switch them off under the others (their tail tasks would lose their events and
// fall out of every worker's row; measured: the second producer sees "already enabled" and restores
// nothing, so only the first one's `disable_events` counts). The producers share two keys of jobctl's
// own on the fleet's Redis result backend, by name, and the LAST producer of the run out switches off
// the events that any of them switched on, then deletes both keys:
//   jobctl-run:<run id>:producers   set of the shard indexes still running
//   jobctl-run:<run id>:events-on   set of the workers a producer of the run switched events on for
// Both expire after a day, so a producer killed with SIGKILL leaves nothing behind for long (the
// events it left on are then named in the others' notes, with the command that switches them off).
import { Redis } from 'ioredis';
import type { CeleryTransport } from './transport.js';
import { restoreTaskEvents, type EventsState } from './fleet.js';

const TTL_S = 24 * 3600;

export interface EventsLease {
  /** after enable_events: record which workers this producer switched on */
  record(state: EventsState): Promise<void>;
  /** this producer is done: the last one out restores the run's events (what, and who is still running) */
  release(t: CeleryTransport): Promise<{ restored: string[]; failed: string[]; stillRunning: string[]; leftOn: string[] }>;
}

export async function openEventsLease(backendUrl: string, runId: string, index: number): Promise<EventsLease> {
  const producers = `jobctl-run:${runId}:producers`;
  const eventsOn = `jobctl-run:${runId}:events-on`;
  const c = new Redis(backendUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 2 });
  c.on('error', () => undefined);
  await c.connect();
  await c.multi().sadd(producers, String(index)).expire(producers, TTL_S).exec();
  return {
    async record(state) {
      if (state.enabledByJobctl.length) await c.multi().sadd(eventsOn, ...state.enabledByJobctl).expire(eventsOn, TTL_S).exec();
    },
    async release(t) {
      try {
        const res = await c.multi().srem(producers, String(index)).smembers(producers).smembers(eventsOn).exec();
        const still = (res?.[1]?.[1] as string[] | undefined) ?? [];
        const on = ((res?.[2]?.[1] as string[] | undefined) ?? []).sort();
        if (still.length) return { restored: [], failed: [], stillRunning: still.sort(), leftOn: on };
        const r = await restoreTaskEvents(t, { enabledByJobctl: on, alreadyOn: [], unavailable: [] });
        await c.del(producers, eventsOn);
        return { ...r, stillRunning: [], leftOn: [] };
      } finally {
        c.disconnect();
      }
    },
  };
}
