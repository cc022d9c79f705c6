import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './env.js';
import type { SourcePosition } from '../errors.js';

/** `services[2].operation_mix.insert` from `['services', 2, 'operation_mix', 'insert']`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/**
 * Where a path points in the YAML source. For a key that should not be there
 * (`asKey`), the key itself; otherwise the value; a missing node falls back to the
 * nearest ancestor that exists.
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  file: string,
  path: readonly PathSegment[],
  asKey = false,
): SourcePosition | undefined {
  if (asKey && path.length > 0) {
    const parent = doc.getIn(path.slice(0, -1), true) as Node | undefined;
    const key = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return at(lines, file, keyNode.range[0]);
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
    if (node && typeof node === 'object' && node.range) return at(lines, file, node.range[0]);
  }
  return undefined;
}

function at(lines: LineCounter, file: string, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { file, line, column: col };
}
