/** A worker thread of drivers.ts: its share of the clients, figures sent back once. */
import { parentPort, workerData } from 'node:worker_threads';
import { loops } from './drivers.js';

const d = workerData as Parameters<typeof loops> extends [infer A, infer B, infer C, infer D, infer E, infer F] ? { driver: A; c: B; script: C; clients: D; seconds: E; scale: F } : never;
parentPort!.postMessage(await loops(d.driver, d.c, d.script, d.clients, d.seconds, d.scale));
