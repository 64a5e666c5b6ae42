/** Small helpers the views share: elements with text, canvas sizing, short labels. */

/** A new element; `text` is set as textContent, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

/** Sizes `canvas` to `width` × `height` CSS pixels at the device's pixel ratio; returns its context. */
export function sizeCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/** `text` cut to `max` characters with an ellipsis. */
export function short(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** A JSON value as compact text (undefined as an empty string). */
export function jsonText(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

/** A time range in ticks, [from, to]. */
export type TimeDomain = readonly [number, number];

/** Characters that end a token in an id: the places a shortened id may be cut. */
const SEPARATOR = /[-_.:/@# ]/;

const DIGIT = /[0-9]/;

/** Whether a token starts at position `i` of `id`: at or after a separator, or where letters turn to digits or back. */
function tokenStartsAt(id: string, i: number): boolean {
  if (i <= 0 || i >= id.length) return true;
  const before = id[i - 1] as string;
  const at = id[i] as string;
  if (SEPARATOR.test(before) || SEPARATOR.test(at)) return true;
  return DIGIT.test(before) !== DIGIT.test(at);
}

/** Where the token holding position `i` of `id` starts. */
function tokenStart(id: string, i: number): number {
  let s = Math.min(i, id.length);
  while (!tokenStartsAt(id, s)) s--;
  return s;
}

/** Where the token holding position `i - 1` of `id` ends. */
function tokenEnd(id: string, i: number): number {
  let e = Math.max(0, i);
  while (e < id.length && !tokenStartsAt(id, e)) e++;
  return e;
}

/** The longest start of `id[0, end)` of at most `max` characters, cut after a separator if one fits. */
function head(id: string, end: number, max: number): string {
  if (max <= 0) return '';
  const room = id.slice(0, Math.min(end, max));
  for (let i = room.length; i > 0; i--)
    if (SEPARATOR.test(room[i - 1] as string)) return room.slice(0, i);
  return room;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

/**
 * Agent ids shortened to at most `maxChars` characters each, in the middle,
 * so that they stay distinct: the part that tells an id from its neighbours
 * (what follows the longest start it shares with any other id, from the
 * start of that token) is kept whole, with as much of the shared start as
 * fits before an ellipsis: `worker-pool-east-017` among its siblings becomes
 * `worker-…-017` at 12 characters. Ids that fit are unchanged. When no cut
 * keeps two ids apart within `maxChars`, those ids are returned whole
 * (distinct beats short). Pure; the result is in the order of `ids`.
 */
export function shortIds(ids: readonly string[], maxChars: number): string[] {
  const max = Math.max(3, Math.floor(maxChars));
  // The longest prefix (suffix) an id shares with any other is shared with a neighbour in sorted order.
  const prefix = new Map<string, number>();
  const suffix = new Map<string, number>();
  const byStart = [...new Set(ids)].sort();
  const reversed = (s: string) => s.split('').reverse().join('');
  const byEnd = [...byStart].sort((a, b) => {
    const ra = reversed(a);
    const rb = reversed(b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
  byStart.forEach((id, i) => {
    const before = i > 0 ? commonPrefix(id, byStart[i - 1] as string) : 0;
    const after = i + 1 < byStart.length ? commonPrefix(id, byStart[i + 1] as string) : 0;
    prefix.set(id, Math.max(before, after));
  });
  byEnd.forEach((id, i) => {
    const before = i > 0 ? commonSuffix(id, byEnd[i - 1] as string) : 0;
    const after = i + 1 < byEnd.length ? commonSuffix(id, byEnd[i + 1] as string) : 0;
    suffix.set(id, Math.max(before, after));
  });
  const cut = (id: string): string => {
    if (id.length <= max) return id;
    const p = prefix.get(id) ?? 0;
    const s = Math.min(suffix.get(id) ?? 0, id.length - p);
    let from = tokenStart(id, p);
    // Keep the separator before the distinguishing token: "…-017" reads as a token, "…017" as a fragment.
    if (from > 0 && SEPARATOR.test(id[from - 1] as string)) from--;
    // The distinguishing part and the shared end, after as much of the shared start as fits.
    const tail = id.slice(from);
    if (from > 0 && tail.length <= max - 1)
      return `${head(id, from, max - 1 - tail.length)}…${tail}`;
    // The start reaches past the distinguishing part: one ellipsis, at the end.
    const to = tokenEnd(id, id.length - s);
    const start = head(id, id.length, max - 1);
    if (start.length >= to) return `${start}…`;
    // The distinguishing part alone, between a shared start and the dropped shared end.
    const middle = id.slice(from, to);
    if (from > 0 && middle.length <= max - 2)
      return `${head(id, from, max - 2 - middle.length)}…${middle}…`;
    // Nothing shared to drop: keep both ends.
    const headChars = Math.ceil((max - 1) / 2);
    return `${id.slice(0, headChars)}…${id.slice(id.length - (max - 1 - headChars))}`;
  };
  const out = ids.map(cut);
  const seen = new Map<string, number>();
  for (const o of out) seen.set(o, (seen.get(o) ?? 0) + 1);
  return out.map((o, i) => ((seen.get(o) as number) > 1 ? (ids[i] as string) : o));
}
