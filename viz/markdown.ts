/**
 * The Markdown of lessons, rendered: headings, paragraphs, fenced code,
 * lists, inline code, emphasis and links. `parseMarkdown` is pure (text in,
 * blocks out, testable without a page); `renderMarkdown` builds DOM nodes
 * with textContent only, so a lesson can never inject markup. Links open
 * only http(s) addresses; anything else stays text.
 */

export type Inline =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'em'; readonly text: string }
  | { readonly kind: 'strong'; readonly text: string }
  | { readonly kind: 'link'; readonly text: string; readonly href: string };

export type Block =
  | { readonly kind: 'heading'; readonly level: number; readonly inline: readonly Inline[] }
  | { readonly kind: 'paragraph'; readonly inline: readonly Inline[] }
  | { readonly kind: 'code'; readonly lang: string; readonly text: string }
  | { readonly kind: 'list'; readonly ordered: boolean; readonly items: readonly Inline[][] };

/** Inline spans of one paragraph's text. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  const re =
    /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ kind: 'text', text: text.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ kind: 'code', text: m[1] });
    else if (m[2] !== undefined && m[3] !== undefined)
      out.push(
        /^https?:\/\//.test(m[3])
          ? { kind: 'link', text: m[2], href: m[3] }
          : { kind: 'text', text: m[2] },
      );
    else if (m[4] !== undefined) out.push({ kind: 'strong', text: m[4] });
    else if (m[5] !== undefined) out.push({ kind: 'em', text: m[5] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

/** Blocks of a Markdown text (the subset lessons use). */
export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  const flush = () => {
    if (para.length > 0) blocks.push({ kind: 'paragraph', inline: parseInline(para.join(' ')) });
    para = [];
    if (list !== undefined)
      blocks.push({ kind: 'list', ordered: list.ordered, items: list.items.map(parseInline) });
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = /^(```|~~~)\s*([\w-]*)\s*$/.exec(line);
    if (fence !== null) {
      flush();
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).startsWith(fence[1] as string)) {
        body.push(lines[i] as string);
        i++;
      }
      blocks.push({ kind: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading !== null) {
      flush();
      blocks.push({
        kind: 'heading',
        level: (heading[1] as string).length,
        inline: parseInline((heading[2] as string).trim()),
      });
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item !== null) {
      if (para.length > 0) flush();
      const ordered = item[2] !== undefined;
      if (list !== undefined && list.ordered !== ordered) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[3] as string);
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    // A continuation line of a list item belongs to the item.
    if (list !== undefined && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    if (list !== undefined) flush();
    para.push(line.trim());
  }
  flush();
  return blocks;
}

function inlineNodes(inline: readonly Inline[]): Node[] {
  return inline.map((s) => {
    switch (s.kind) {
      case 'text':
        return document.createTextNode(s.text);
      case 'link': {
        const a = document.createElement('a');
        a.href = s.href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = s.text;
        return a;
      }
      default: {
        const e = document.createElement(s.kind);
        e.textContent = s.text;
        return e;
      }
    }
  });
}

/** A Markdown text as DOM nodes inside one `div.markdown`. */
export function renderMarkdown(text: string, options: { skipTitle?: boolean } = {}): HTMLElement {
  const root = document.createElement('div');
  root.className = 'markdown';
  let blocks = parseMarkdown(text);
  if (options.skipTitle === true && blocks[0]?.kind === 'heading' && blocks[0].level === 1)
    blocks = blocks.slice(1);
  for (const b of blocks) {
    if (b.kind === 'heading') {
      const h = document.createElement(`h${Math.min(6, b.level + 2)}` as 'h3');
      h.append(...inlineNodes(b.inline));
      root.append(h);
    } else if (b.kind === 'paragraph') {
      const p = document.createElement('p');
      p.append(...inlineNodes(b.inline));
      root.append(p);
    } else if (b.kind === 'code') {
      const pre = document.createElement('pre');
      const code = document.createElement('code');
      code.textContent = b.text;
      pre.append(code);
      root.append(pre);
    } else {
      const list = document.createElement(b.ordered ? 'ol' : 'ul');
      for (const item of b.items) {
        const li = document.createElement('li');
        li.append(...inlineNodes(item));
        list.append(li);
      }
      root.append(list);
    }
  }
  return root;
}

/** The text of one `## NAME` section of a Markdown text (without its heading), or undefined. */
export function sectionOf(text: string, name: string): string | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^##\\s+${name}\\s*$`, 'i').test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
}
