/**
 * A scenario's lesson beside the run, rendered (viz/markdown.ts, textContent
 * only): until the cursor reaches the run's first key moment, the lesson's
 * opening paragraph says what the scenario is; from then on its "What to
 * watch" section says what to look for. The whole lesson is below, in a
 * block that opens and closes.
 */
import { renderMarkdown, sectionOf } from '../markdown.ts';
import { el } from './common.ts';

export interface LessonView {
  /** What to read now: the opening, or what to watch. */
  readonly now: HTMLElement;
  /** The whole lesson, folded. */
  readonly whole: HTMLDetailsElement;
  /** Shows what to watch once the cursor `seq` reaches the record given as `from`, the opening before it. */
  setCursor(seq: number): void;
}

/** The lesson's first paragraph: the text after its title, up to the first blank line or heading. Pure. */
export function openingOf(lesson: string): string {
  const lines = lesson.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (/^#\s/.test(line) && out.length === 0) continue;
    if (line.trim() === '' || /^#{1,6}\s/.test(line)) {
      if (out.length > 0) break;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/**
 * The lesson `text` of scenario `name`; `from` is the record from which
 * "What to watch" replaces the opening (the first key moment).
 */
export function lessonView(name: string, text: string, from: number): LessonView {
  const opening = openingOf(text);
  const watch = sectionOf(text, 'What to watch');
  const now = el('section', undefined, 'panel lesson-now');
  const title = el('h2', '');
  const body = el('div', undefined, 'lesson-now-body');
  now.append(title, body);
  const whole = el('details', undefined, 'lesson');
  whole.append(
    el('summary', `the whole lesson: ${name}`),
    renderMarkdown(text, { skipTitle: true }),
  );
  let showing: 'opening' | 'watch' | undefined;
  return {
    now,
    whole,
    setCursor(seq) {
      const want = watch !== undefined && seq >= from ? 'watch' : 'opening';
      if (want === showing) return;
      showing = want;
      now.dataset['part'] = want;
      title.textContent = want === 'watch' ? 'what to watch' : 'the scenario';
      body.replaceChildren(renderMarkdown(want === 'watch' ? (watch as string) : opening));
    },
  };
}
