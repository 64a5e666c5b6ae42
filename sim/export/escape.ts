/**
 * Escaping text for each export medium, so an id or a payload holding
 * control characters, markup or line breaks cannot break the file. Pure.
 */

const hex4 = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;

/**
 * Characters XML 1.0 does not allow at all (C0 controls but tab, LF and CR;
 * lone surrogates; U+FFFE and U+FFFF), and C1 controls and the line and
 * paragraph separators, allowed but invisible. A character reference
 * (`&#1;`) would not help: it is just as illegal.
 */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `text` for XML character data and quoted attribute values: &, <, >, " and
 * ' as entities, and each character XML 1.0 does not allow (and each C1
 * control, U+2028 and U+2029) as the visible text `\uXXXX`. Pure.
 */
export function xmlText(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
    .replace(NOT_XML, (c) => hex4(c.charCodeAt(0)));
}

/** Line breaks as JavaScript's `.` sees them, and other controls: none may reach a line-based log. */
const NOT_IN_LINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` on one line of a log: each control, line or paragraph separator and lone surrogate as `\uXXXX`. Pure. */
export function lineText(text: string): string {
  return text.replace(NOT_IN_LINE, (c) => hex4(c.charCodeAt(0)));
}

/** White space as JavaScript's `\s` sees it (ShiViz's host pattern is `\S*`). */
const SPACE = /\s/;

/**
 * `id` as one `\S+` word that names it alone (no two ids give the same
 * word): a backslash doubled, white space, controls and lone surrogates as
 * `\uXXXX`, and the empty id as `\"\"`. Pure.
 */
export function wordText(id: string): string {
  if (id === '') return '\\"\\"';
  let out = '';
  for (const ch of lineText(id.replaceAll('\\', '\\\\'))) {
    out += SPACE.test(ch) ? hex4(ch.charCodeAt(0)) : ch;
  }
  return out;
}
