/**
 * Where things are on the page, for the browser tests: whether a box is
 * inside the window, the boxes of the HTML text shown (cut to what clips
 * them) and which of them overlap.
 */

/** Whether `r` is inside the window, to the pixel. */
export function inWindow(r: DOMRect): boolean {
  return (
    r.width > 0 &&
    r.height > 0 &&
    r.left >= 0 &&
    r.top >= 0 &&
    r.right <= window.innerWidth &&
    r.bottom <= window.innerHeight
  );
}

export interface TextBox {
  readonly node: Node;
  readonly text: string;
  readonly rect: DOMRect;
}

/**
 * The boxes of the HTML text shown in `root` (lines of each text node),
 * cut to the boxes of the ancestors that clip them; text in SVG drawings
 * and in hidden or scrolled-away parts is left out.
 */
export function textBoxes(root: Element): TextBox[] {
  const out: TextBox[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
    const text = n.textContent?.trim() ?? '';
    const parent = n.parentElement;
    if (text === '' || parent === null || parent.closest('svg') !== null) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const line of range.getClientRects()) {
      let { left, top, right, bottom } = line;
      for (let a: Element | null = parent; a !== null && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const clip = a.getBoundingClientRect();
        left = Math.max(left, clip.left);
        top = Math.max(top, clip.top);
        right = Math.min(right, clip.right);
        bottom = Math.min(bottom, clip.bottom);
      }
      if (right - left > 1 && bottom - top > 1)
        out.push({ node: n, text, rect: new DOMRect(left, top, right - left, bottom - top) });
    }
  }
  return out;
}

/** Pairs of boxes of different texts that overlap by more than a pixel each way. */
export function overlaps(boxes: TextBox[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as TextBox;
      const b = boxes[j] as TextBox;
      if (a.node === b.node) continue;
      const w = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
      const h = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
      if (w > 1 && h > 1) out.push(`"${a.text}" over "${b.text}"`);
    }
  return out;
}

/** The page for `query` (as after `?` in the URL) in a fresh root; throws when it did not run. */
export async function openPage<R>(
  show: (root: HTMLElement, q: URLSearchParams, o: { keepUrl: boolean }) => Promise<R | undefined>,
  query: string,
): Promise<R> {
  const root = document.createElement('main');
  root.id = 'app';
  document.body.append(root);
  const run = await show(root, new URLSearchParams(query), { keepUrl: false });
  if (run === undefined) throw new Error(`?${query} did not run: ${root.textContent}`);
  return run;
}
