/** User-facing messages of the POSIX file storage backend. */
export const FS_MSG = {
  badSyncMode: (value: string, allowed: readonly string[]) =>
    `sync_mode "${value}" is not supported; use one of ${allowed.join(', ')} ` +
    '(none: no sync; fsync/fdatasync: after each write; osync/dsync: open with O_SYNC/O_DSYNC)',
  directNeedsAlignedSize: (key: string) =>
    `with use_direct_io, every file size must be a multiple of 4096 bytes; "${key}" is not (try "4KB", "64KB", "1MB")`,
  refusedRoot: (base: string) =>
    `base_path "${base}" resolves to "/"; aifb will not create its working directory there (choose a scratch directory)`,
  refusedHome: (base: string) =>
    `base_path "${base}" is the home directory; aifb will not work directly in it (choose a scratch directory such as $HOME/aifb-scratch)`,
  baseMissing: (base: string) => `base_path "${base}" does not exist; create it first or choose another directory`,
  baseNotDir: (base: string) => `base_path "${base}" is not a directory`,
  baseUnusable: (base: string, why: string) => `cannot use base_path "${base}": ${why}`,
  directRefused: (base: string) =>
    `use_direct_io is set, but the filesystem of base_path "${base}" refuses O_DIRECT (EINVAL on open, as tmpfs and some ` +
    'network filesystems do); choose a base_path on a filesystem that supports direct I/O, or set use_direct_io: false',
  directNoAlignment: (dir: string) =>
    `use_direct_io is set, but no 4096-aligned buffer could be found that the filesystem of "${dir}" accepts for O_DIRECT`,
  noTarget: (operation: string) =>
    `no file available for ${operation} (all deleted or in use by other operations); ` +
    'raise initial_files or the share of write in operation_mix',
  readMismatch: (expected: number, got: number) =>
    `verify_reads: read ${got} bytes whose content differs from the ${expected} bytes written`,
  psyncOneClient: (clients: number, generators: number) =>
    `io_engine psync makes blocking calls, one client per thread: a closed loop with at most as many clients as generators ` +
    `(here ${clients} client(s) on ${generators} thread(s)); set generators: ${clients}, or use io_engine: libuv`,
  psyncClosedLoop: 'io_engine psync makes blocking calls, one client per thread: it takes a closed loop (clients), not a rate; use io_engine: libuv for open loops',
  markerMissing: (dir: string) =>
    `not removing "${dir}": its ownership marker is missing or belongs to another run, so aifb cannot prove it created it`,
} as const;
