/**
 * How deeply a YAML text nests, found from its tokens before it is parsed.
 * The yaml library builds its tree by recursion and slows down sharply on
 * deep input: two million nested brackets took 11 s to end in "Maximum call
 * stack size exceeded". Its lexer is linear and iterative, so the loader
 * measures nesting from the tokens first and refuses deep text at once, with
 * the position where it went too deep. Pure.
 */
import { CST, Lexer } from 'yaml';

const CONTROL = new Set<string>([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR, CST.BOM]);

/**
 * The offset of the first token at which `text` nests more than `depthMax`
 * collections deep, or undefined. Block collections are counted by the
 * columns their items start at (a `-`, a `?` or a key before `:`), flow
 * collections by their brackets; the count matches the depth of the parsed
 * value for block maps, block lists and flow collections alike.
 */
export function nestingTooDeep(text: string, depthMax: number): number | undefined {
  let offset = 0;
  let lineStart = 0;
  let flow = 0;
  // Columns of the block collections open at this point, innermost last.
  const block: number[] = [];
  // Start of the last token on this line that is not blank: a key, when a ':' follows.
  let lastStart = -1;
  const open = (column: number): boolean => {
    while (block.length > 0 && (block.at(-1) as number) > column) block.pop();
    if (block.length === 0 || (block.at(-1) as number) < column) block.push(column);
    return block.length > depthMax;
  };
  for (const token of new Lexer().lex(text)) {
    if (CONTROL.has(token)) continue;
    const at = offset;
    offset += token.length;
    const c = token[0];
    if (token === '\n' || token === '\r\n') {
      lineStart = offset;
      lastStart = -1;
      continue;
    }
    if (c === '[' || c === '{') {
      flow++;
      if (block.length + flow > depthMax) return at;
      continue;
    }
    if (c === ']' || c === '}') {
      if (flow > 0) flow--;
      continue;
    }
    if (flow > 0 || c === ' ' || c === '\t' || c === '#') continue;
    if (token === '-' || token === '?') {
      if (open(at - lineStart)) return at;
      continue;
    }
    if (token === ':') {
      if (lastStart >= 0 && open(lastStart - lineStart)) return lastStart;
      continue;
    }
    lastStart = at;
  }
  return undefined;
}
