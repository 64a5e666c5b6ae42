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
