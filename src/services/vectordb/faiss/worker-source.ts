/**
 * The Faiss worker, run as `python3 -c WORKER_SOURCE` (kept in TypeScript so the build
 * ships it without a copy step). It speaks protocol.ts on stdin/stdout, one request at a
 * time, in order. Ids: the index stores vectors under sequential slots; the worker maps
 * slots to the benchmark's ids and marks replaced or deleted slots dead, filtered out by
 * an IDSelectorBitmap (or, on GPU, by fetching more). That works for every index type,
 * HNSW included, which cannot remove vectors in Faiss.
 */
export const WORKER_SOURCE = String.raw`
import sys, struct, json, time
out = sys.stdout.buffer
inp = sys.stdin.buffer

def send(status, seconds, payload=b''):
    out.write(struct.pack('<IBd', 9 + len(payload), status, seconds) + payload)
    out.flush()

try:
    import numpy as np
    import faiss
except Exception as e:
    send(1, 0.0, ('cannot import faiss/numpy in ' + sys.executable + ': ' + str(e)).encode())
    sys.exit(0)

send(0, 0.0, json.dumps({'faiss': faiss.__version__, 'gpus': faiss.get_num_gpus(), 'python': sys.executable}).encode())

def read_exact(n):
    b = inp.read(n)
    if b is None or len(b) < n:
        sys.exit(0)
    return b

class Store:
    def __init__(self, cfg):
        self.d = cfg['d']
        metric = faiss.METRIC_L2 if cfg['metric'] == 'l2' else faiss.METRIC_INNER_PRODUCT
        self.normalize = cfg['normalize']
        if cfg.get('threads'):
            faiss.omp_set_num_threads(cfg['threads'])
        cpu = faiss.index_factory(self.d, cfg['factory'], metric)
        self.gpu = bool(cfg.get('gpu')) and faiss.get_num_gpus() > 0
        self.index = faiss.index_cpu_to_all_gpus(cpu) if self.gpu else cpu
        self.space = faiss.GpuParameterSpace() if self.gpu else faiss.ParameterSpace()
        self.defaults = {}
        for name in ('nprobe', 'efSearch'):
            if cfg.get(name):
                self.space.set_index_parameter(self.index, name, cfg[name])
                self.defaults[name] = cfg[name]
        inner = faiss.downcast_index(cpu.index) if isinstance(cpu, faiss.IndexPreTransform) else cpu
        ivf = faiss.try_extract_index_ivf(inner)
        if ivf is not None:
            self.defaults.setdefault('nprobe', ivf.nprobe)
        if hasattr(inner, 'hnsw'):
            self.defaults.setdefault('efSearch', inner.hnsw.efSearch)
        self.cap = 0
        self.ext = np.zeros(0, dtype='int64')
        self.norms = np.zeros(0, dtype='float32')
        self.alive = np.zeros(0, dtype='uint8')
        self.slot_of = {}
        self.dead = 0
        self.ntotal = 0

    def grow(self, need):
        if need <= self.cap:
            return
        cap = max(need, 2 * self.cap, 1024)
        cap = (cap + 7) // 8 * 8
        self.ext = np.resize(self.ext, cap)
        self.norms = np.resize(self.norms, cap)
        alive = np.zeros(cap // 8, dtype='uint8')
        alive[:len(self.alive)] = self.alive
        self.alive = alive
        self.cap = cap

    def prep(self, x):
        x = np.ascontiguousarray(x.reshape(-1, self.d))
        norms = np.linalg.norm(x, axis=1).astype('float32')
        if self.normalize:
            x = x.copy()
            faiss.normalize_L2(x)
        return x, norms

    def kill(self, ext_id):
        slot = self.slot_of.pop(ext_id, None)
        if slot is not None:
            self.alive[slot >> 3] &= np.uint8(~(1 << (slot & 7)) & 0xFF)
            self.dead += 1

    def add(self, ids, x):
        x, norms = self.prep(x)
        for i in ids.tolist():
            self.kill(i)
        n = len(ids)
        start = self.ntotal
        self.grow(start + n)
        self.index.add(x)
        self.ntotal += n
        slots = np.arange(start, start + n)
        self.ext[slots] = ids
        self.norms[slots] = norms
        np.bitwise_or.at(self.alive, slots >> 3, (1 << (slots & 7)).astype('uint8'))
        self.slot_of.update(zip(ids.tolist(), slots.tolist()))

    def params(self, idx, sel, refs):
        # SWIG keeps raw pointers between parameter objects: refs holds them alive for the search.
        if isinstance(idx, faiss.IndexPreTransform):
            p = faiss.SearchParametersPreTransform()
            inner = self.params(faiss.downcast_index(idx.index), sel, refs)
            refs.append(inner)
            p.index_params = inner
            return p
        ivf = faiss.try_extract_index_ivf(idx)
        if ivf is not None:
            p = faiss.SearchParametersIVF()
            p.nprobe = ivf.nprobe
        elif hasattr(idx, 'hnsw'):
            p = faiss.SearchParametersHNSW()
            p.efSearch = idx.hnsw.efSearch
        else:
            p = faiss.SearchParameters()
        if sel is not None:
            p.sel = sel
        return p

    def search(self, q, k, nprobe, ef):
        # Faiss 1.7.3 ignores SearchParametersHNSW.efSearch above the index's own setting,
        # so knobs are set on the index for this search (requests are served one at a time) and restored.
        knobs = [(name, v) for name, v in (('nprobe', nprobe), ('efSearch', ef)) if v and self.defaults.get(name) != v]
        for name, v in knobs:
            self.space.set_index_parameter(self.index, name, v)
        try:
            return self.search_now(q, k)
        finally:
            for name, _ in knobs:
                self.space.set_index_parameter(self.index, name, self.defaults[name])

    def search_now(self, q, k):
        q, _ = self.prep(q)
        if self.gpu:
            return self.search_gpu(q, k)
        sel = faiss.IDSelectorBitmap(len(self.alive), faiss.swig_ptr(self.alive)) if self.dead > 0 else None
        refs = []
        p = self.params(faiss.downcast_index(self.index), sel, refs)
        D, I = self.index.search(q, k, params=p)
        labels = I[0][I[0] >= 0]
        return self.ext[labels], D[0][I[0] >= 0]

    def search_gpu(self, q, k):
        # GPU indexes take no selector: fetch more until k live results or everything.
        want = k
        while True:
            D, I = self.index.search(q, min(want + self.dead, self.ntotal))
            keep = [j for j, s in enumerate(I[0]) if s >= 0 and (self.alive[s >> 3] >> (s & 7)) & 1]
            if len(keep) >= k or want + self.dead >= self.ntotal:
                keep = keep[:k]
                return self.ext[I[0][keep]], D[0][keep]
            want *= 2

    def remove(self, ids):
        for i in ids.tolist():
            self.kill(i)

    def get(self, ext_id):
        slot = self.slot_of.get(ext_id)
        if slot is None:
            return None
        v = self.index.reconstruct(int(slot))
        return v * self.norms[slot] if self.normalize else v

    def build(self):
        ivf = faiss.try_extract_index_ivf(faiss.downcast_index(self.index)) if not self.gpu else None
        if ivf is not None:
            ivf.make_direct_map()

store = None
while True:
    head = read_exact(5)
    length, op = struct.unpack('<IB', head)
    body = read_exact(length - 1)
    t0 = time.perf_counter()
    try:
        if op == 1:
            store = Store(json.loads(body.decode()))
            reply = json.dumps({'gpu': store.gpu, 'is_trained': bool(store.index.is_trained)}).encode()
        elif op == 2:
            n = struct.unpack_from('<I', body, 0)[0]
            x, _ = store.prep(np.frombuffer(body, dtype='<f4', offset=4, count=n * store.d))
            if not store.index.is_trained:
                store.index.train(x)
            reply = b''
        elif op == 3:
            n = struct.unpack_from('<I', body, 0)[0]
            ids = np.frombuffer(body, dtype='<i8', offset=4, count=n)
            store.add(ids, np.frombuffer(body, dtype='<f4', offset=4 + 8 * n, count=n * store.d))
            reply = b''
        elif op == 4:
            k, nprobe, ef = struct.unpack_from('<III', body, 0)
            ids, dists = store.search(np.frombuffer(body, dtype='<f4', offset=12, count=store.d), k, nprobe, ef)
            reply = struct.pack('<I', len(ids)) + np.asarray(ids, dtype='<i8').tobytes() + np.asarray(dists, dtype='<f4').tobytes()
        elif op == 5:
            n = struct.unpack_from('<I', body, 0)[0]
            store.remove(np.frombuffer(body, dtype='<i8', offset=4, count=n))
            reply = b''
        elif op == 6:
            v = store.get(struct.unpack_from('<q', body, 0)[0])
            reply = b'\x00' if v is None else b'\x01' + np.asarray(v, dtype='<f4').tobytes()
        elif op == 7:
            store.build()
            reply = b''
        else:
            raise ValueError('unknown op %d' % op)
        send(0, time.perf_counter() - t0, reply)
    except Exception as e:
        send(1, time.perf_counter() - t0, (type(e).__name__ + ': ' + str(e)).encode())
`;
