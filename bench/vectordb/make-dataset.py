"""One vector data set in two forms, so aifb and VectorDBBench load the same vectors.

    python make-dataset.py DIR N QUERIES DIM DEPTH SEED

Clustered Gaussians (so an HNSW index has something to get wrong), unit length (cosine is
VectorDBBench's default metric for a custom data set), exact cosine neighbours by brute
force. Writes base.npy, queries.npy, neighbors.npy (aifb's `dataset:` files) and
train.parquet, test.parquet, neighbors.parquet (VectorDBBench's custom data set layout:
id + emb columns, neighbors_id lists). Run with VectorDBBench's venv (numpy, pyarrow).
"""
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

out, n, m, d, depth, seed = Path(sys.argv[1]), *map(int, sys.argv[2:7])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(seed)
centres = rng.normal(size=(max(1, n // 100), d)).astype(np.float32)


def draw(count: int) -> np.ndarray:
    v = centres[rng.integers(0, len(centres), count)] + 0.3 * rng.normal(size=(count, d)).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


base, queries = draw(n), draw(m)
# Most similar first; ties are broken by id, as neither side's index promises an order for them.
scores = queries @ base.T
neighbors = np.argsort(-scores, axis=1, kind="stable")[:, :depth].astype(np.int32)
np.save(out / "base.npy", base)
np.save(out / "queries.npy", queries)
np.save(out / "neighbors.npy", neighbors)


def table(vectors: np.ndarray) -> pa.Table:
    return pa.table({"id": pa.array(np.arange(len(vectors), dtype=np.int64)), "emb": pa.array(list(vectors), type=pa.list_(pa.float32()))})


pq.write_table(table(base), out / "train.parquet")
pq.write_table(table(queries), out / "test.parquet")
pq.write_table(pa.table({"id": pa.array(np.arange(m, dtype=np.int64)), "neighbors_id": pa.array(list(neighbors.astype(np.int64)))}), out / "neighbors.parquet")
print(f"{n} base, {m} queries, d={d}, {depth} neighbours each in {out}")
