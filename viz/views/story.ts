/**
 * The story of a run: its key moments (sim/story.ts `keyMoments`, computed
 * from the trace and the verdicts) as a list of sentences, each with its
 * tick, each a button that moves the cursor to the moment's record. The
 * moment at or before the cursor is marked (`current`, with every moment at
 * the same record), those before it `past`, those after it `future`; the
 * list scrolls in its own box to keep the current one in view, never the
 * page. `next` and `previous` give the moment to jump to from a cursor.
 * Text goes in as textContent only.
 */
import type { Moment } from '../../sim/index.ts';
import { el } from './common.ts';

export interface StoryView {
  readonly element: HTMLElement;
  /** Marks the moments at the cursor `seq` (-1: before every record). */
  setCursor(seq: number): void;
  /** The first moment after `seq`, if any. */
  next(seq: number): Moment | undefined;
  /** The last moment before `seq`, if any. */
  previous(seq: number): Moment | undefined;
  /** The moment at or before `seq` (the last of those at the same record), if any. */
  at(seq: number): Moment | undefined;
  /** Scrolls the list's box (never the page) to show the marked moment whole, and as many before it as fit; again after the box changed size. */
  reveal(): void;
}

/** Index of the last moment with `seq` at most `at`, or -1. Moments are sorted by seq. */
function lastAtOrBefore(moments: readonly Moment[], at: number): number {
  let lo = 0;
  for (let hi = moments.length; lo < hi; ) {
    const mid = (lo + hi) >> 1;
    if ((moments[mid] as Moment).seq <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export function storyView(moments: readonly Moment[], onPick: (moment: Moment) => void): StoryView {
  const element = el('section', undefined, 'panel story');
  element.append(el('h2', 'key moments'));
  const box = el('div', undefined, 'story-box');
  box.style.position = 'relative';
  const list = el('ol', undefined, 'moments');
  /** Room to scroll below the list (see `reveal`). */
  const spacer = el('div', undefined, 'story-spacer');
  spacer.style.cssText = 'position:absolute;left:0;width:1px;height:1px;display:none;';
  spacer.setAttribute('aria-hidden', 'true');
  box.append(list, spacer);
  element.append(box);
  const buttons: HTMLButtonElement[] = [];
  for (const m of moments) {
    const li = el('li');
    const button = el('button', undefined, `moment kind-${m.kind}`);
    button.type = 'button';
    button.dataset['seq'] = String(m.seq);
    button.title = `move the cursor to record ${m.seq} (tick ${m.tick})`;
    button.append(el('span', `tick ${m.tick}`, 'moment-tick'), el('span', m.text, 'moment-text'));
    // A click leaves the focus where it was, so Space goes on playing instead of clicking again.
    button.addEventListener('mousedown', (e) => e.preventDefault());
    button.addEventListener('click', () => onPick(m));
    li.append(button);
    list.append(li);
    buttons.push(button);
  }
  if (moments.length === 0)
    list.append(el('li', 'Nothing stood out: no fault, loss, decision or breach to tell.', 'note'));

  let shown = -2;
  const api: StoryView = {
    element,
    setCursor(seq) {
      const k = lastAtOrBefore(moments, seq);
      if (k === shown) return;
      shown = k;
      const at = k < 0 ? undefined : (moments[k] as Moment).seq;
      buttons.forEach((b, i) => {
        const s = (moments[i] as Moment).seq;
        const state = s === at ? 'current' : i < k ? 'past' : 'future';
        b.classList.toggle('current', state === 'current');
        b.classList.toggle('past', state === 'past');
        b.classList.toggle('future', state === 'future');
        if (state === 'current') b.setAttribute('aria-current', 'step');
        else b.removeAttribute('aria-current');
      });
      api.reveal();
    },
    next(seq) {
      return moments[lastAtOrBefore(moments, seq) + 1];
    },
    previous(seq) {
      return moments[lastAtOrBefore(moments, seq - 1)];
    },
    at(seq) {
      const k = lastAtOrBefore(moments, seq);
      return k < 0 ? undefined : moments[k];
    },
    reveal() {
      // The box is positioned, so a button's offsets are within it.
      const current = shown < 0 ? buttons[0] : buttons[shown];
      if (current === undefined || box.clientHeight === 0) return;
      const top = current.offsetTop;
      const least = top + current.offsetHeight - box.clientHeight;
      // As much of the story up to the current moment as fits, starting on a whole moment.
      // (Offsets are rounded: a pixel or two over is a fit.)
      const start = least <= 2 ? 0 : buttons.map((b) => b.offsetTop).find((t) => t >= least);
      const target = Math.min(start ?? top, top);
      // A box just short of the whole list cannot scroll that far: a spacer below the list lets
      // it, so that the first moment it shows is whole. Positioned, the spacer adds room to
      // scroll without making the box any taller (which would take the room from what follows).
      const short = target - (list.offsetHeight - box.clientHeight);
      spacer.style.display = short > 0 ? 'block' : 'none';
      spacer.style.top = `${Math.ceil(target + box.clientHeight) - 1}px`;
      box.scrollTop = target;
    },
  };
  // The box changes size after the cursor moved (the lesson's "what to watch" appears below it,
  // presenter mode's larger type): shown again then, so its first moment is never cut.
  if (typeof ResizeObserver !== 'undefined') {
    let height = -1;
    let pending = false;
    new ResizeObserver(() => {
      if (box.clientHeight === height || pending) return;
      // In the next frame, not inside the observer: revealing may change the box's size again.
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        height = box.clientHeight;
        api.reveal();
      });
    }).observe(box);
  }
  return api;
}
