/**
 * Reads a tcpdump capture (pcap, nanosecond stamps, loopback's Ethernet framing) of HTTP/1.1
 * chat streams to one port and gives each request's times on the wire: from its `POST`'s
 * first segment to the first and the last segment that carried generated text. A client's
 * TTFT and e2e can only be longer than these (its clock starts before the send and stops
 * after its read): the capture is the referee of bench/llm/wire.ts.
 */
import { readFileSync } from 'node:fs';

export interface WireRequest {
  /** Capture time of the request's first byte, ns. */
  sentNs: number;
  ttftMs: number | null;
  e2eMs: number | null;
  contentSegments: number;
  /**
   * Gaps between tokens on the wire, ms: a segment carrying k content events after a gap g
   * gives g then k − 1 zeros (the events left the server together), the first segment's extra
   * events zeros too.
   */
  gapsMs: number[];
}

// A delta with text in it: the role-only first chunk has `"content":null`, the last `{}`.
const CONTENT = /"delta":\{[^}]*"content":"(?!")/;
const CONTENT_ALL = /"delta":\{[^}]*"content":"(?!")/g;

/** The requests of every connection to `port` in the capture at `file`. */
export function wireRequests(file: string, port: number): WireRequest[] {
  const buf = readFileSync(file);
  const magic = buf.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (!nano && magic !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian pcap file`);
  const linktype = buf.readUInt32LE(20);
  const linkLen = linktype === 1 ? 14 : linktype === 113 ? 16 : linktype === 0 ? 4 : -1;
  if (linkLen < 0) throw new Error(`${file}: link type ${linktype} not handled`);
  const open = new Map<number, WireRequest & { firstNs?: number; lastNs?: number }>();
  const done: WireRequest[] = [];
  const finish = (r: WireRequest & { firstNs?: number; lastNs?: number }) => {
    done.push({ sentNs: r.sentNs, contentSegments: r.contentSegments, gapsMs: r.gapsMs, ttftMs: r.firstNs === undefined ? null : (r.firstNs - r.sentNs) / 1e6, e2eMs: r.lastNs === undefined ? null : (r.lastNs - r.sentNs) / 1e6 });
  };
  for (let off = 24; off + 16 <= buf.length;) {
    const ns = buf.readUInt32LE(off) * 1e9 + buf.readUInt32LE(off + 4) * (nano ? 1 : 1000);
    const incl = buf.readUInt32LE(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const ip = pkt.subarray(linkLen);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 6) continue;
    const tcp = ip.subarray((ip[0]! & 15) * 4, ip.readUInt16BE(2));
    if (tcp.length < 20) continue;
    const src = tcp.readUInt16BE(0);
    const dst = tcp.readUInt16BE(2);
    const payload = tcp.subarray((tcp[12]! >> 4) * 4);
    if (payload.length === 0) continue;
    if (dst === port) {
      // A new request on this connection (keep-alive): the previous one is over.
      if (payload.subarray(0, 5).toString('latin1') === 'POST ') {
        const prev = open.get(src);
        if (prev) finish(prev);
        open.set(src, { sentNs: ns, ttftMs: null, e2eMs: null, contentSegments: 0, gapsMs: [] });
      }
    } else if (src === port) {
      const r = open.get(dst);
      const text = payload.toString('utf8');
      if (!r || !CONTENT.test(text)) continue;
      const events = text.match(CONTENT_ALL)!.length;
      if (r.lastNs !== undefined) r.gapsMs.push((ns - r.lastNs) / 1e6);
      for (let k = 1; k < events; k++) r.gapsMs.push(0);
      r.firstNs ??= ns;
      r.lastNs = ns;
      r.contentSegments++;
    }
  }
  for (const r of open.values()) finish(r);
  return done.sort((a, b) => a.sentNs - b.sentNs);
}
