/** Trace exports for other tools and for people: ShiViz logs and SVG space-time diagrams. Pure. */
export { SHIVIZ_REGEX, shivizLines } from './shiviz.ts';
export { type SvgOptions, traceSvg } from './svg.ts';
