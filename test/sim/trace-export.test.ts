import { describe, expect, it } from 'vitest';
import {
  lineText,
  SHIVIZ_REGEX,
  shivizLines,
  traceSvg,
  traceSvgLines,
  wordText,
  xmlText,
} from '../../sim/export/index.ts';
import { ODD_IDS, oddIdsRun } from '../fixtures/odd-ids.ts';
import { traceOf } from '../fixtures/trace-builder.ts';
import { xmlProblem } from '../fixtures/xml-check.ts';

const how = 'lossy-handoff at seed 2 with odd agent ids (test/fixtures/odd-ids.ts)';

describe('the strict XML check the export tests use', () => {
  it('accepts well-formed documents and names the first problem of malformed ones', () => {
    expect(
      xmlProblem('<a x="1" y=\'&lt;\'><b/>t &amp; &#x263A;<!-- c --><![CDATA[<]]></a>\n'),
    ).toBe(undefined);
    expect(xmlProblem('<a>\u0001</a>')).toBe('1:4: U+0001 is not an XML character');
    expect(xmlProblem('<a>&#1;</a>')).toBe('1:4: a reference to U+1, not an XML character');
    expect(xmlProblem('<a>\ud800</a>')).toBe('1:4: U+d800 is not an XML character');
    expect(xmlProblem('<a>\uffff</a>')).toBe('1:4: U+ffff is not an XML character');
    expect(xmlProblem('<a>x & y</a>')).toMatch(/^1:6: an & that does not start/);
    expect(xmlProblem('<a>\n<b></a>')).toBe('2:6: </a> where </b> was expected');
    expect(xmlProblem('<a x="1" x="2"/>')).toBe('1:10: the attribute x twice');
    expect(xmlProblem('<a x="<"/>')).toBe('1:7: < inside an attribute value');
    expect(xmlProblem('<a/><b/>')).toBe('1:6: a second root element');
    expect(xmlProblem('<a>]]></a>')).toBe('1:4: ]]> in character data');
    expect(xmlProblem('<a>')).toBe('1:4: <a> is never closed');
  });
});

describe('escaping for each export medium', () => {
  it('writes what XML 1.0 forbids as visible \\u escapes and markup as entities', () => {
    expect(xmlText('a\u0001b')).toBe('a\\u0001b');
    expect(xmlText('\u001b[2J')).toBe('\\u001b[2J');
    expect(xmlText('<&>"\'')).toBe('&lt;&amp;&gt;&quot;&apos;');
    // Tab, LF and CR are legal XML; lone surrogates, U+FFFE/FFFF and C1 controls are not kept.
    expect(xmlText('\t\n\r\ud800x\udc00\ufffe\uffff\u0085')).toBe(
      '\t\n\r\\ud800x\\udc00\\ufffe\\uffff\\u0085',
    );
    expect(xmlText('🎲 ü')).toBe('🎲 ü');
  });

  it('keeps a log line on one line and an id in one word, no two ids alike', () => {
    expect(lineText('a\nb\rc\u2028d\u2029e\u0000')).toBe(
      'a\\u000ab\\u000dc\\u2028d\\u2029e\\u0000',
    );
    expect(wordText('a b\tc\u00a0d')).toBe('a\\u0020b\\u0009c\\u00a0d');
    expect(wordText('a\u0001b')).toBe('a\\u0001b');
    expect(wordText('a\\u0001b')).toBe('a\\\\u0001b');
    expect(wordText('')).toBe('\\"\\"');
    const ids = ['a b', 'a\\u0020b', 'a\u0020b\u0000', '', '\\"\\"', '""', 'x\ny', 'x\\ny'];
    expect(new Set(ids.map(wordText)).size).toBe(new Set(ids).size);
    for (const id of ids) expect(wordText(id)).toMatch(/^\S+$/);
  });
});

describe('SVG export', () => {
  it('is well-formed XML when agent ids hold control characters, markup and line breaks', () => {
    const trace = oddIdsRun();
    expect(trace.agentIds).toEqual(ODD_IDS);
    const svg = traceSvg(trace);
    expect(xmlProblem(svg), how).toBe(undefined);
    expect(svg).toContain('>a\\u0001b</text>');
    expect(svg).toContain('>\\u001b[2J</text>');
    expect(svg).toContain('>boss &lt;&amp;&gt; &quot;&apos;\n\\u2028\\u0085</text>');
    expect(svg.match(/marker-end="url\(#arrow\)"/g)?.length, how).toBeGreaterThan(10);
    expect(`${[...traceSvgLines(trace)].join('\n')}\n`).toBe(svg);
  });

  it('draws at most messagesMax arrows and says so at its top and its foot', () => {
    const trace = oddIdsRun();
    const svg = traceSvg(trace, { messagesMax: 5 });
    expect(xmlProblem(svg)).toBe(undefined);
    expect(svg.match(/<line [^>]*stroke="#(333|c0392b)"/g)).toHaveLength(5);
    const copies = [...trace.records()].filter((r) => r.kind === 'deliver' || r.kind === 'drop');
    // The fifth copy's tick bounds the drawing: the sixth is the first not drawn.
    const cut = Math.max(1, (copies[5] as { tick: number }).tick);
    expect(svg).toContain(
      `· ticks 0–${trace.stop?.tick} · the first 5 of ${copies.length} messages drawn, up to tick ${cut}</text>`,
    );
    expect(svg).toMatch(new RegExp(`<svg [^>]* height="${50 + cut * 20 + 40}"`));
    expect(svg).toContain(
      `>drawing stopped at 5 messages; ${copies.length - 5} more not drawn</text>`,
    );
  });
});

describe('ShiViz export', () => {
  it('keeps two lines per event, each host one word that its clock names, with odd ids', () => {
    const trace = oddIdsRun();
    const lines = [...shivizLines(trace)];
    const hosts = new Set(ODD_IDS.map(wordText));
    expect(lines.slice(0, 2)).toEqual([SHIVIZ_REGEX, '']);
    const body = lines.slice(2);
    expect(body.length % 2).toBe(0);
    expect(body.length).toBeGreaterThan(20);
    for (let i = 0; i < body.length; i += 2) {
      const event = body[i] as string;
      const hostLine = body[i + 1] as string;
      // JavaScript's `.` stops at these: ShiViz would split the event there.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
      expect(event, how).not.toMatch(/[\n\r\u2028\u2029\u0000-\u001f]/);
      const m = /^(\S*) (\{.*\})$/.exec(hostLine);
      expect(m, hostLine).not.toBe(null);
      const [, host, clock] = m as RegExpExecArray;
      expect(hosts.has(host as string), hostLine).toBe(true);
      expect(Object.keys(JSON.parse(clock as string)), hostLine).toContain(host);
    }
    expect(body.slice(0, 2)).toEqual([
      'send #0 to a\\u0001b {"type":"task","task":"t0"}',
      `boss\\u0020<&>\\u0020"'\\u000a\\u2028\\u0085 {"boss\\\\u0020<&>\\\\u0020\\"'\\\\u000a\\\\u2028\\\\u0085":1}`,
    ]);
  });

  it('counts a host named like an object property as any other', () => {
    const trace = traceOf(
      ['constructor', '__proto__'],
      [
        { tick: 0, kind: 'send', agent: 'constructor', peer: '__proto__', msg: 0 },
        { tick: 1, kind: 'deliver', agent: '__proto__', peer: 'constructor', msg: 0 },
      ],
    );
    expect([...shivizLines(trace)].slice(2)).toEqual([
      'send #0 to __proto__',
      'constructor {"constructor":1}',
      'receive #0 from constructor',
      '__proto__ {"constructor":1,"__proto__":1}',
    ]);
  });
});
