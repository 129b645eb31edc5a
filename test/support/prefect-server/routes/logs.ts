/** Logs: bare-array create (201, null body) and filter. */
import type { Routes } from '../router.js';
import { clone, iso, uuid } from '../store.js';
import type { Log } from '../types.js';
import { limitOf } from './flows.js';

export const logRoutes: Routes = {
  'POST /logs/': ({ store, body }) => {
    const now = iso();
    for (const l of body as Array<Omit<Log, 'id' | 'created' | 'updated'>>) {
      store.logs.push({
        id: uuid(),
        created: now,
        updated: now,
        name: l.name,
        level: l.level,
        message: l.message.replaceAll('\u0000', ''), // the server strips NUL bytes
        timestamp: l.timestamp,
        flow_run_id: l.flow_run_id ?? null,
        task_run_id: l.task_run_id ?? null,
      });
    }
    return { status: 201, body: null };
  },
  'POST /logs/filter': ({ store, body }) => {
    const f = body.logs ?? {};
    let logs = store.logs.filter(
      (l) =>
        (f.flow_run_id?.any_ == null || f.flow_run_id.any_.includes(l.flow_run_id)) &&
        (f.level?.ge_ == null || l.level >= f.level.ge_) &&
        (f.level?.le_ == null || l.level <= f.level.le_) &&
        (f.timestamp?.after_ == null || Date.parse(l.timestamp) >= Date.parse(f.timestamp.after_)) &&
        (f.timestamp?.before_ == null || Date.parse(l.timestamp) <= Date.parse(f.timestamp.before_)),
    );
    logs = [...logs].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    if (body.sort === 'TIMESTAMP_DESC') logs.reverse();
    const offset = body.offset ?? 0;
    return { status: 200, body: logs.slice(offset, offset + limitOf(body)).map(clone) };
  },
};
