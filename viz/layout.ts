/**
 * The page's stage: what a run shows without scrolling. A playback toolbar;
 * the main view large on the left (the space-time diagram, the topology or
 * the charts, switched by tabs or keys, with the topology under a diagram
 * that leaves room for it); a side column on the right for the verdicts,
 * the story and the lesson. Everything else (lanes, charts, records, the run's metadata)
 * goes below the stage, where the page scrolls.
 *
 * Presenter mode (`?present`, or `f`) is the stage alone, for a projector:
 * large type, high contrast, no metadata; Esc leaves it. It is a class on
 * the document's root element, so the style sheet does the rest.
 *
 * This file builds the frame and knows no trace: main.ts fills it.
 */
import { el } from './views/common.ts';

/** The main views of the stage, as the URL's `view` names them. */
export const MAIN_VIEWS = ['diagram', 'topology', 'charts'] as const;
/** The main view shown in the stage. */
export type MainView = (typeof MAIN_VIEWS)[number];

/** The class on the document's root element in presenter mode. */
export const PRESENT_CLASS = 'present';
/** Height of a stage inside another panel (a sweep's cell), in CSS pixels. */
const EMBEDDED_HEIGHT_PX = 640;
/** The stage is never shorter than this (CSS pixels): below it, the page scrolls. */
const STAGE_HEIGHT_MIN_PX = 420;

/** The keys of the page, as the help lists them. */
export const KEYS: readonly (readonly [string, string])[] = [
  ['Space', 'play or pause'],
  ['← →', 'one record back or forward'],
  ['Home End', 'first or last record'],
  ['n p', 'next or previous key moment'],
  ['m', 'play to the next key moment'],
  ['d t c', 'the space-time diagram, the topology or the charts'],
  ['+ −', 'zoom the diagram in or out (around the cursor)'],
  ['Shift ← →', 'pan the diagram'],
  ['0', 'the whole run in the diagram'],
  ['< >', 'slower or faster'],
  ['f', 'presenter mode on or off'],
  ['Esc', 'leave presenter mode (or close this help)'],
  ['?', 'this help'],
];

export interface Stage {
  readonly element: HTMLElement;
  /** The playback row: the player goes first, then the stage's own buttons. */
  readonly toolbar: HTMLElement;
  /** The run's name and description, beside the tabs. */
  readonly title: HTMLElement;
  /** Where the main views go (the diagram's panel and the topology's). */
  readonly area: HTMLElement;
  readonly diagram: HTMLElement;
  readonly topology: HTMLElement;
  readonly charts: HTMLElement;
  /** The side column. */
  readonly side: HTMLElement;
  /** The key help, hidden until asked for. */
  readonly help: HTMLElement;
  /** Buttons of the toolbar: play to the next key moment, presenter mode, help. */
  readonly toMoment: HTMLButtonElement;
  readonly presentButton: HTMLButtonElement;
  readonly helpButton: HTMLButtonElement;
  view(): MainView;
  /** Shows `view` in the main area; listeners hear it. */
  show(view: MainView): void;
  onShow(listener: (view: MainView) => void): void;
  /** Sizes the stage to the window below its top (or to its fixed height when embedded). */
  fitHeight(): void;
}

const button = (text: string, title: string, className: string) => {
  const b = el('button', text, className);
  b.type = 'button';
  b.title = title;
  // A click leaves the focus where it was, so Space goes on playing instead of clicking again.
  b.addEventListener('mousedown', (e) => e.preventDefault());
  return b;
};

/** The stage's frame; `embedded` for a run inside another panel (fixed height, no presenter mode). */
export function stageLayout(embedded: boolean): Stage {
  const element = el('section', undefined, embedded ? 'stage embedded' : 'stage');
  element.setAttribute('aria-label', 'the run');
  const toolbar = el('div', undefined, 'toolbar');
  const toMoment = button('▶ next moment', 'play to the next key moment (m)', 'to-moment');
  const presentButton = button('present', 'presenter mode on or off (f)', 'present-toggle');
  const helpButton = button('?', 'keys (?)', 'help-toggle');
  helpButton.setAttribute('aria-label', 'keys');
  const extras = el('div', undefined, 'stage-buttons');
  extras.append(toMoment);
  if (!embedded) extras.append(presentButton, helpButton);
  toolbar.append(extras);

  const body = el('div', undefined, 'stage-body');
  const main = el('div', undefined, 'main-view');
  main.dataset['view'] = 'diagram';
  const head = el('div', undefined, 'view-head');
  const tabs = el('div', undefined, 'tabs');
  tabs.setAttribute('role', 'tablist');
  const tabOf = (view: MainView, text: string, key: string) => {
    const b = button(text, `${text} (${key})`, 'tab');
    b.setAttribute('role', 'tab');
    b.dataset['view'] = view;
    b.addEventListener('click', () => api.show(view));
    return b;
  };
  const tabButtons = [
    tabOf('diagram', 'space-time diagram', 'd'),
    tabOf('topology', 'topology', 't'),
    tabOf('charts', 'charts', 'c'),
  ];
  tabs.append(...tabButtons);
  const title = el('div', undefined, 'run-title');
  head.append(tabs, title);
  const area = el('div', undefined, 'view-area');
  const diagram = el('div', undefined, 'view-panel panel-diagram');
  diagram.setAttribute('role', 'tabpanel');
  const topology = el('div', undefined, 'view-panel panel-topology');
  topology.setAttribute('role', 'tabpanel');
  const charts = el('div', undefined, 'view-panel panel-charts');
  charts.setAttribute('role', 'tabpanel');
  area.append(diagram, topology, charts);
  main.append(head, area);
  const side = el('aside', undefined, 'side-column');
  body.append(main, side);

  const help = el('div', undefined, 'keys-help');
  help.setAttribute('role', 'dialog');
  help.setAttribute('aria-label', 'keys');
  help.hidden = true;
  const table = el('table');
  for (const [keys, what] of KEYS) {
    const tr = el('tr');
    tr.append(el('th', keys), el('td', what));
    table.append(tr);
  }
  help.append(el('h2', 'keys'), table, el('p', 'Esc or ? closes this help.', 'note'));
  helpButton.addEventListener('click', () => {
    help.hidden = !help.hidden;
  });

  element.append(toolbar, body, help);
  const listeners: ((view: MainView) => void)[] = [];
  const api: Stage = {
    element,
    toolbar,
    title,
    area,
    diagram,
    topology,
    charts,
    side,
    help,
    toMoment,
    presentButton,
    helpButton,
    view: () => main.dataset['view'] as MainView,
    show(view) {
      main.dataset['view'] = view;
      for (const b of tabButtons)
        b.setAttribute('aria-selected', String(b.dataset['view'] === view));
      for (const l of listeners) l(view);
    },
    onShow(listener) {
      listeners.push(listener);
    },
    fitHeight() {
      if (embedded) {
        element.style.height = `${EMBEDDED_HEIGHT_PX}px`;
        return;
      }
      const top = element.getBoundingClientRect().top + globalThis.scrollY;
      element.style.height = `${Math.max(STAGE_HEIGHT_MIN_PX, Math.floor(globalThis.innerHeight - top))}px`;
    },
  };
  for (const b of tabButtons)
    b.setAttribute('aria-selected', String(b.dataset['view'] === 'diagram'));
  return api;
}

/** Whether the page is in presenter mode. */
export function presenting(): boolean {
  return document.documentElement.classList.contains(PRESENT_CLASS);
}

/** Turns presenter mode on or off (a class on the root element; the style sheet does the rest). */
export function setPresenting(on: boolean): void {
  document.documentElement.classList.toggle(PRESENT_CLASS, on);
}
