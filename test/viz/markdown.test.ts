/** Lessons' Markdown read into blocks: what the page renders, checked without a page. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, sectionOf } from '../../viz/markdown.ts';

const catalog = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');

describe('lesson Markdown', () => {
  it('reads headings, paragraphs joined across lines, fenced code, lists and inline spans', () => {
    const md = [
      '# title',
      '',
      'A first line',
      'and its second, with `code`, **strong**, *em* and [a link](https://example.org).',
      '',
      '```sh',
      'npx parley run x   # a comment',
      '```',
      '',
      '- one',
      '  continued',
      '- two',
      '',
      '1. first',
      '2. second',
    ].join('\n');
    expect(parseMarkdown(md)).toEqual([
      { kind: 'heading', level: 1, inline: [{ kind: 'text', text: 'title' }] },
      {
        kind: 'paragraph',
        inline: [
          { kind: 'text', text: 'A first line and its second, with ' },
          { kind: 'code', text: 'code' },
          { kind: 'text', text: ', ' },
          { kind: 'strong', text: 'strong' },
          { kind: 'text', text: ', ' },
          { kind: 'em', text: 'em' },
          { kind: 'text', text: ' and ' },
          { kind: 'link', text: 'a link', href: 'https://example.org' },
          { kind: 'text', text: '.' },
        ],
      },
      { kind: 'code', lang: 'sh', text: 'npx parley run x   # a comment' },
      {
        kind: 'list',
        ordered: false,
        items: [[{ kind: 'text', text: 'one continued' }], [{ kind: 'text', text: 'two' }]],
      },
      {
        kind: 'list',
        ordered: true,
        items: [[{ kind: 'text', text: 'first' }], [{ kind: 'text', text: 'second' }]],
      },
    ]);
  });

  it('keeps a link that is not http(s) as text, and a lone asterisk or a product a*b as text', () => {
    expect(parseInline('[x](javascript:alert(1))')).toEqual([
      { kind: 'text', text: 'x' },
      { kind: 'text', text: ')' },
    ]);
    expect(parseInline('a*b and 3 * 4')).toEqual([{ kind: 'text', text: 'a*b and 3 * 4' }]);
  });

  it('finds every lesson\'s "What to watch" section', () => {
    const lessons = readdirSync(catalog).filter((f) => f.endsWith('.md'));
    expect(lessons.length).toBeGreaterThanOrEqual(17);
    for (const f of lessons) {
      const watch = sectionOf(readFileSync(join(catalog, f), 'utf8'), 'What to watch');
      expect(watch, f).toMatch(/\w/);
      expect(watch, f).not.toMatch(/^#/m);
    }
    expect(sectionOf(readFileSync(join(catalog, 'runaway-loop.md'), 'utf8'), 'What to watch')).toBe(
      'The spend over time: a straight line. The runaway check fails — spend is\nstill growing at the end of the run, about 0.08 a tick — and would keep\ngrowing for as long as the simulation runs.',
    );
  });
});
