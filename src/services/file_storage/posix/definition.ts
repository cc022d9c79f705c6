import type { BackendDefinition } from '../../contract.js';
import { FS_MSG } from './messages.js';
import { DIRECT_ALIGNMENT, SYNC_MODES, parseSyncMode } from './options.js';
import { posixFields } from './fields.js';
import { parseSizeBytes } from '../../../util/units.js';
import { refusedBaseReason } from './ownership.js';
import type { FieldsOf } from '../../fields.js';

type Problem = { path: (string | number)[]; message: string };
type Fields = FieldsOf<typeof posixFields>;

/** Cross-field rules: sync_mode values, direct I/O sizes, and bases we never work in. */
function check(service: Fields): Problem[] {
  const out: Problem[] = [];
  if (parseSyncMode(service.sync_mode) === undefined) {
    out.push({ path: ['sync_mode'], message: FS_MSG.badSyncMode(String(service.sync_mode), SYNC_MODES) });
  }
  if (service.use_direct_io === true) {
    for (const key of Object.keys(service.file_sizes ?? {})) {
      const bytes = parseSizeBytes(key);
      if (bytes !== undefined && bytes % DIRECT_ALIGNMENT !== 0) {
        out.push({ path: ['file_sizes', key], message: FS_MSG.directNeedsAlignedSize(key) });
      }
    }
  }
  const refused = service.base_path === undefined ? undefined : refusedBaseReason(service.base_path);
  if (refused) out.push({ path: ['base_path'], message: refused });
  out.push(...psyncProblems(service));
  return out;
}

/**
 * A blocking call holds its thread, so a second client there would wait for the first
 * inside its own timed window: psync needs one client per generator thread.
 */
function psyncProblems(service: Fields): Problem[] {
  if (service.io_engine !== 'psync') return [];
  const load = service.load ?? {};
  if (load.mode === 'open' || load.rate !== undefined || service.requests_per_second !== undefined || load.sweep !== undefined || load.search !== undefined || load.stages !== undefined) {
    return [{ path: ['io_engine'], message: FS_MSG.psyncClosedLoop }];
  }
  const clients = load.clients ?? service.client_count ?? 1;
  const generators = service.generators ?? 1;
  return clients > generators ? [{ path: ['io_engine'], message: FS_MSG.psyncOneClient(clients, generators) }] : [];
}

/** POSIX file storage: write, read, stat and delete files in a directory aifb creates and owns. */
export const fileStorageDefinition: BackendDefinition<typeof posixFields> = {
  serviceTypes: ['file_storage'],
  backend: 'posix',
  isDefault: true,
  description: 'POSIX file storage (write/read/stat/delete files of a size mix; optional sync and O_DIRECT)',
  fields: posixFields,
  operations: ['write', 'read', 'stat', 'delete', 'random_read', 'random_write'],
  defaultMix: { write: 0.4, read: 0.4, stat: 0.1, delete: 0.1 },
  check,
  metrics: [],
  load: () => import('./adapter.js'),
};
