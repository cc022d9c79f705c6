/** User-facing messages of the vector workload's data files, kept together so their wording stays consistent. */
export const VDB_MSG = {
  hdf5Unreadable: (path: string, why: string) => `cannot read ann-benchmarks file ${path}: ${why}`,
  hdf5NotHdf5: (path: string) => `${path} is not an HDF5 file (expected an ann-benchmarks .hdf5 file with datasets train, test and neighbors)`,
  hdf5Missing: (path: string, name: string, found: string[]) =>
    `${path} has no dataset "${name}" (an ann-benchmarks file holds train, test, neighbors and distances; this one holds ${found.length ? found.join(', ') : 'nothing'})`,
  hdf5Shape: (path: string, name: string, shape: readonly number[]) =>
    `${path}: dataset "${name}" has shape (${shape.join(', ')}); expected a 2-D array (rows × dimension)`,
  hdf5Type: (path: string, name: string, dtype: string) => `${path}: dataset "${name}" holds ${dtype} values; expected numbers (32- or 64-bit floats, or integers)`,
  hdf5Dimension: (path: string, d: number, td: number) => `${path}: test vectors have dimension ${td}, train vectors ${d}; expected the same`,
  hdf5Distance: (path: string, value: string) =>
    `${path} declares distance "${value}"; aifb supports euclidean (l2) and angular (cosine), not set distances such as hamming or jaccard`,
  hdf5NoDistance: (path: string) =>
    `${path} has no root attribute "distance" (euclidean or angular); set distance in the recipe (l2, cosine or ip)`,
  hdf5Extra: (key: string) =>
    `an ann-benchmarks HDF5 file holds its own ${key === 'queries' ? 'queries (test)' : 'neighbours (neighbors)'}; remove dataset.${key}`,
} as const;
