/**
 * Export buttons: the space-time diagram as SVG (sim/export/svg.ts) or as PNG
 * (the Lamport canvas as drawn), and the run as a JSONL trace file that
 * `parley` reads back. Each becomes a download through a Blob URL.
 */
import { traceSvg } from '../sim/export/svg.ts';
import type { Trace } from '../sim/index.ts';
import { el } from './views/common.ts';

/** Saves `blob` as `filename`; the default clicks a temporary download link. */
export type Download = (blob: Blob, filename: string) => void;

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = el('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the click; free the URL after it has been read.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from the scenario, variant and seed: letters, digits, dot, dash and underscore only. */
export function baseName(trace: Trace, variant?: string): string {
  const raw = `${trace.manifest.scenario}${variant === undefined ? '' : `-${variant}`}-seed${trace.manifest.seed}`;
  return raw.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

export interface ExportsOptions {
  /** The trace's JSONL text as the worker wrote it (default: written from the trace). */
  readonly jsonl?: string;
  /** The canvas saved as PNG (the Lamport view's); without it there is no PNG button. */
  readonly canvas?: HTMLCanvasElement;
  readonly variant?: string;
  readonly download?: Download;
}

export function exportsBar(trace: Trace, options: ExportsOptions = {}): HTMLElement {
  const download = options.download ?? downloadBlob;
  const name = baseName(trace, options.variant);
  const bar = el('div', undefined, 'exports');
  const button = (text: string, title: string, action: () => void) => {
    const b = el('button', text);
    b.type = 'button';
    b.title = title;
    b.addEventListener('click', action);
    bar.append(b);
    return b;
  };
  bar.append(el('span', 'export ', 'note'));
  button('diagram SVG', 'the whole space-time diagram as an SVG picture', () => {
    download(new Blob([traceSvg(trace)], { type: 'image/svg+xml' }), `${name}.svg`);
  }).className = 'export-svg';
  const canvas = options.canvas;
  if (canvas !== undefined)
    button('diagram PNG', 'the space-time diagram as drawn now, as a PNG picture', () => {
      canvas.toBlob((blob) => {
        if (blob !== null) download(blob, `${name}.png`);
      }, 'image/png');
    }).className = 'export-png';
  button('trace JSONL', 'the run as a trace file (parley replay and parley export read it)', () => {
    const text = options.jsonl ?? trace.toJSONL();
    download(new Blob([text], { type: 'application/x-ndjson' }), `${name}.jsonl`);
  }).className = 'export-trace';
  return bar;
}
