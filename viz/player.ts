/**
 * Playback over a trace: a toolbar with play/pause, step back and forward one
 * record, jump to start and end, a slider over the record index, and a speed
 * (records per second: `auto`, which plays the whole run in about
 * `AUTO_RUN_SECONDS`, or 10, 100, 1,000 or as fast as the page draws). The
 * position is a record seq; listeners hear every change and show the run up
 * to it; `playTo` plays and stops at a record. Keys (while focus is not in a
 * form field): space plays or pauses, ← → step (not with Shift, left to the
 * page), Home and End jump, + and - (or the keys given) change the speed.
 */
import type { Trace } from '../sim/index.ts';
import { el } from './views/common.ts';

/** Speeds in records per second; Infinity is `max`. */
export const SPEEDS = [10, 100, 1000, Number.POSITIVE_INFINITY] as const;
/** Records advanced per frame at `max`. */
const MAX_PER_FRAME = 5000;
/** At speed `auto`, a whole run plays in about this many seconds, however long it is. */
export const AUTO_RUN_SECONDS = 30;

/** The `auto` speed of a run of `records` records: records per second, so it plays in about AUTO_RUN_SECONDS. Pure. */
export function autoSpeed(records: number): number {
  return Math.max(1, records) / AUTO_RUN_SECONDS;
}

export interface PlayerOptions {
  /** The first position (clamped to the trace); default the last record. */
  readonly start?: number;
  /** Index into SPEEDS, or `auto` (the whole run in about AUTO_RUN_SECONDS); default 1 (100 per second). */
  readonly speed?: number | 'auto';
  /** Listen to keys on this target; default `document` (pass null for none). */
  readonly keys?: EventTarget | null;
  /** The keys that change the speed; default `+` `=` faster, `-` `_` slower. */
  readonly speedKeys?: { readonly faster: readonly string[]; readonly slower: readonly string[] };
  /**
   * Positions past the trace's last record (a second, longer run beside it):
   * `count` of them; position `trace.length + i` is at tick `tick(i)`, and
   * `text(i)` says where.
   */
  readonly beyond?: Beyond;
}

/** Positions of a player past its trace's last record. */
export interface Beyond {
  readonly count: number;
  tick(i: number): number;
  text(i: number): string;
}

export interface Player {
  readonly element: HTMLElement;
  /** The current record seq (-1 for an empty trace). */
  position(): number;
  /** The last position: the last record's seq, or the last position past it (`beyond`). */
  end(): number;
  /** The tick at the position (a record's, or one past the trace's end); null for an empty trace. */
  tick(): number | null;
  playing(): boolean;
  /** Moves to `seq` (clamped); stops nothing. */
  seek(seq: number): void;
  /** Moves `n` records forward (negative: back). */
  step(n?: number): void;
  play(): void;
  pause(): void;
  toggle(): void;
  /** Plays from the position and stops at `seq` (nothing when it is not ahead). */
  playTo(seq: number): void;
  /** Records per second (Infinity for max). */
  speed(): number;
  /** Whether the speed is `auto`. */
  autoSpeed(): boolean;
  /** Sets the speed to SPEEDS[index], or to `auto`. */
  setSpeed(index: number | 'auto'): void;
  /** Called after every change of position with the new seq. */
  onChange(listener: (seq: number) => void): void;
  /** Called whenever playback starts or stops. */
  onPlaying(listener: (playing: boolean) => void): void;
  /** Handles a key as the toolbar does; true when it was one of its keys. */
  key(e: KeyboardEvent): boolean;
  /** Stops playback and key handling. */
  dispose(): void;
}

const speedLabel = (s: number) =>
  s === Number.POSITIVE_INFINITY ? 'max' : `${s.toLocaleString('en')}/s`;
/** An auto speed, to two significant digits below 100 per second. */
const autoLabel = (s: number) =>
  `${(s < 100 ? Number(s.toPrecision(2)) : Math.round(s)).toLocaleString('en')}/s`;

const speedIndexOf = (index: number) => Math.max(0, Math.min(SPEEDS.length - 1, index));

export function player(trace: Trace, options: PlayerOptions = {}): Player {
  const beyond = options.beyond;
  const last = trace.length - 1 + (trace.length > 0 ? (beyond?.count ?? 0) : 0);
  /** The tick at position `p`. */
  const tickOf = (p: number) =>
    p < 0 ? null : p < trace.length ? trace.record(p).tick : (beyond?.tick(p - trace.length) ?? 0);
  const clamp = (s: number) => Math.max(Math.min(last, 0), Math.min(last, Math.round(s)));
  let pos = clamp(options.start ?? last);
  // Positions past the trace's end count: the whole of both runs plays in about AUTO_RUN_SECONDS.
  const auto = autoSpeed(last + 1);
  /** An index into SPEEDS, or -1 for auto. */
  let speedIndex = options.speed === 'auto' ? -1 : speedIndexOf(options.speed ?? 1);
  const speedNow = () => (speedIndex < 0 ? auto : (SPEEDS[speedIndex] as number));
  const faster = options.speedKeys?.faster ?? ['+', '='];
  const slower = options.speedKeys?.slower ?? ['-', '_'];
  /** Where `playTo` stops, while it plays. */
  let stopAt: number | undefined;
  let frame: number | undefined;
  let lastTime: number | undefined;
  let carry = 0;
  const changeListeners: ((seq: number) => void)[] = [];
  const playListeners: ((playing: boolean) => void)[] = [];

  // ---- toolbar ----
  const element = el('div', undefined, 'player');
  element.setAttribute('role', 'toolbar');
  element.setAttribute('aria-label', 'playback');
  const button = (text: string, title: string, action: () => void) => {
    const b = el('button', text);
    b.type = 'button';
    b.title = title;
    b.setAttribute('aria-label', title);
    b.addEventListener('click', action);
    return b;
  };
  const toStart = button('|◀', 'first record (Home)', () => api.seek(0));
  const back = button('◀', 'one record back (←)', () => api.step(-1));
  const playButton = button('▶ play', 'play (space)', () => api.toggle());
  playButton.className = 'play';
  const forward = button('▶', 'one record forward (→)', () => api.step(1));
  const toEnd = button('▶|', 'last record (End)', () => api.seek(last));
  const slider = el('input');
  slider.type = 'range';
  slider.min = '0';
  slider.max = String(Math.max(0, last));
  slider.step = '1';
  slider.setAttribute('aria-label', 'record');
  slider.addEventListener('input', () => api.seek(Number(slider.value)));
  const speedSelect = el('select');
  speedSelect.setAttribute('aria-label', 'speed');
  speedSelect.title = `records per second (${faster[0]} and ${slower[0]}); auto plays the whole run in about ${AUTO_RUN_SECONDS} s`;
  const autoOption = el('option', `auto · ${autoLabel(auto)}`);
  autoOption.value = 'auto';
  speedSelect.append(autoOption);
  SPEEDS.forEach((s, i) => {
    const o = el('option', speedLabel(s));
    o.value = String(i);
    speedSelect.append(o);
  });
  speedSelect.addEventListener('change', () =>
    api.setSpeed(speedSelect.value === 'auto' ? 'auto' : Number(speedSelect.value)),
  );
  const where = el('span', '', 'where');
  element.append(toStart, back, playButton, forward, toEnd, slider, speedSelect, where);

  const show = () => {
    slider.value = String(Math.max(0, pos));
    speedSelect.value = speedIndex < 0 ? 'auto' : String(speedIndex);
    where.textContent =
      pos < 0
        ? 'no records'
        : pos < trace.length
          ? `seq ${pos} / ${trace.length - 1} · tick ${tickOf(pos)}`
          : (beyond?.text(pos - trace.length) ?? '');
    playButton.textContent = frame === undefined ? '▶ play' : '‖ pause';
    playButton.title = frame === undefined ? 'play (space)' : 'pause (space)';
    playButton.setAttribute('aria-label', playButton.title);
    playButton.setAttribute('aria-pressed', String(frame !== undefined));
  };

  const moveTo = (seq: number) => {
    const next = clamp(seq);
    if (next === pos) return;
    pos = next;
    show();
    for (const l of changeListeners) l(pos);
  };

  const tickFrame = (time: number) => {
    const speed = speedNow();
    let n: number;
    if (speed === Number.POSITIVE_INFINITY) n = MAX_PER_FRAME;
    else {
      // At most a quarter second of catch-up after a stall.
      const dt = lastTime === undefined ? 0 : Math.min(250, time - lastTime);
      carry += (dt * speed) / 1000;
      n = Math.floor(carry);
      carry -= n;
    }
    lastTime = time;
    if (n > 0) moveTo(Math.min(pos + n, stopAt ?? last));
    if (pos >= (stopAt ?? last)) {
      api.pause();
      return;
    }
    frame = requestAnimationFrame(tickFrame);
  };

  const setPlaying = (on: boolean) => {
    if (on === (frame !== undefined)) return;
    if (on) {
      if (pos >= last) moveTo(0);
      lastTime = undefined;
      carry = 0;
      frame = requestAnimationFrame(tickFrame);
    } else {
      if (frame !== undefined) cancelAnimationFrame(frame);
      frame = undefined;
      stopAt = undefined;
    }
    show();
    for (const l of playListeners) l(on);
  };

  const onKey = (e: Event) => {
    if (api.key(e as KeyboardEvent)) e.preventDefault();
  };

  const api: Player = {
    element,
    position: () => pos,
    end: () => last,
    tick: () => tickOf(pos),
    playing: () => frame !== undefined,
    seek: (seq) => moveTo(seq),
    step: (n = 1) => moveTo(pos + n),
    play: () => {
      stopAt = undefined;
      setPlaying(true);
    },
    pause: () => setPlaying(false),
    toggle: () => (frame === undefined ? api.play() : api.pause()),
    playTo(seq) {
      const target = clamp(seq);
      if (target <= pos) return;
      stopAt = target;
      setPlaying(true);
    },
    speed: speedNow,
    autoSpeed: () => speedIndex < 0,
    setSpeed(index) {
      speedIndex = index === 'auto' ? -1 : speedIndexOf(index);
      show();
    },
    onChange: (l) => {
      changeListeners.push(l);
    },
    onPlaying: (l) => {
      playListeners.push(l);
    },
    key(e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return false;
      const t = e.target;
      // Form fields and buttons keep their own keys (the slider moves itself).
      if (t instanceof Element && t.closest('input, select, textarea, button') !== null)
        return false;
      if (faster.includes(e.key)) {
        // From auto, the next listed speed above it.
        const above = SPEEDS.findIndex((v) => v > speedNow());
        api.setSpeed(speedIndex < 0 ? (above < 0 ? SPEEDS.length - 1 : above) : speedIndex + 1);
        return true;
      }
      if (slower.includes(e.key)) {
        // From auto, the next listed speed below it.
        const below = SPEEDS.filter((v) => v < speedNow()).length - 1;
        api.setSpeed(speedIndex < 0 ? Math.max(0, below) : speedIndex - 1);
        return true;
      }
      // Shift with an arrow is the page's (it pans the diagram).
      if (e.shiftKey && e.key.startsWith('Arrow')) return false;
      switch (e.key) {
        case ' ':
          api.toggle();
          return true;
        case 'ArrowRight':
          api.pause();
          api.step(1);
          return true;
        case 'ArrowLeft':
          api.pause();
          api.step(-1);
          return true;
        case 'Home':
          api.seek(0);
          return true;
        case 'End':
          api.seek(last);
          return true;
        default:
          return false;
      }
    },
    dispose() {
      setPlaying(false);
      keys?.removeEventListener('keydown', onKey);
    },
  };
  const keys = options.keys === undefined ? document : options.keys;
  keys?.addEventListener('keydown', onKey);
  show();
  return api;
}
