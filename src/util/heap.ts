import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the whole process (every thread). Under
 * load V8 had started allocating per-request objects straight into the old generation;
 * dead there, they kept the younger objects they pointed to alive through each young
 * collection, which grew every pause (open loop at 10k req/s: scavenge 0.86 → 0.61–0.70 ms;
 * the null-backend engine loop: 3.4–4.4 ms scavenges, a third of its CPU, against 0.3 ms
 * without; docs/performance.md). V8 makes the choice at run time, by timing, so a run
 * either falls into it or not: only the flag makes runs repeat. Call before the load starts.
 */
export function keepRequestGarbageYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
