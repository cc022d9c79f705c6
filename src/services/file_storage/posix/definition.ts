import type { BackendDefinition } from '../../contract.js';
import { FS_MSG } from './messages.js';
import { DIRECT_ALIGNMENT, SYNC_MODES, parseSyncMode } from './options.js';
import { posixFields } from './fields.js';
import { parseSizeBytes } from '../../../util/units.js';
import { refusedBaseReason } from './ownership.js';

type Problem = { path: (string | number)[]; message: string };

/** Cross-field rules: sync_mode values, direct I/O sizes, and bases we never work in. */
function check(service: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const sync = service.sync_mode;
  if (parseSyncMode(sync) === undefined) {
    out.push({ path: ['sync_mode'], message: FS_MSG.badSyncMode(String(sync), SYNC_MODES) });
  }
  const sizes = service.file_sizes;
  if (service.use_direct_io === true && sizes && typeof sizes === 'object') {
    for (const key of Object.keys(sizes)) {
      const bytes = parseSizeBytes(key);
      if (bytes !== undefined && bytes % DIRECT_ALIGNMENT !== 0) {
        out.push({ path: ['file_sizes', key], message: FS_MSG.directNeedsAlignedSize(key) });
      }
    }
  }
  if (typeof service.base_path === 'string') {
    const refused = refusedBaseReason(service.base_path);
    if (refused) out.push({ path: ['base_path'], message: refused });
  }
  return out;
}

/** POSIX file storage: write, read, stat and delete files in a directory aifb creates and owns. */
export const fileStorageDefinition: BackendDefinition = {
  serviceTypes: ['file_storage'],
  backend: 'posix',
  isDefault: true,
  description: 'POSIX file storage (write/read/stat/delete files of a size mix; optional sync and O_DIRECT)',
  fields: posixFields,
  operations: ['write', 'read', 'stat', 'delete', 'random_read', 'random_write'],
  defaultMix: { write: 0.4, read: 0.4, stat: 0.1, delete: 0.1 },
  check,
  load: () => import('./adapter.js'),
};
