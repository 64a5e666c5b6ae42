/** Trace exports for other tools and for people: ShiViz logs and SVG space-time diagrams. Pure. */
export { lineText, wordText, xmlText } from './escape.ts';
export { SHIVIZ_REGEX, shivizLines } from './shiviz.ts';
export { type SvgOptions, traceSvg, traceSvgLines } from './svg.ts';
