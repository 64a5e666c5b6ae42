/** Printing benchmark figures as an aligned table. */

export interface Row {
  name: string;
  value: number;
  unit: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === '%') return `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`;
  if (unit === 'x') return `${value.toFixed(2)} x`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M ${unit}`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)} k ${unit}`;
  return `${value.toFixed(0)} ${unit}`;
}

/** A row's target, written in its name as `(target >= 3)` or `(target <= 30%)`. */
const TARGET = /\(target ([<>]=) ([\d.,]+)/;

/** Every row with a target printed so far, and whether it met it. */
const judged: { name: string; text: string; met: boolean }[] = [];

/** Whether `r` meets the target its name states; undefined when it states none. */
export function meetsTarget(r: Row): boolean | undefined {
  const m = TARGET.exec(r.name);
  if (m === null) return undefined;
  const bound = Number((m[2] as string).replaceAll(',', ''));
  return Number.isFinite(r.value) && (m[1] === '>=' ? r.value >= bound : r.value <= bound);
}

/** The rows as an aligned table under `title`; a row with a target is marked met or not. */
export function printRows(title: string, rows: readonly Row[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${title}`);
  for (const r of rows) {
    const text = format(r.value, r.unit);
    const met = meetsTarget(r);
    if (met !== undefined) judged.push({ name: r.name.trim(), text, met });
    const mark = met === undefined ? '' : met ? '  met' : '  NOT MET';
    console.log(`  ${r.name.padEnd(width)}  ${text.padStart(16)}${mark}`);
  }
}

/** The targets of every table printed so far: how many were met, and each one that was not. */
export function printTargets(): void {
  const missed = judged.filter((j) => !j.met);
  console.log(`\nTargets: ${judged.length - missed.length} of ${judged.length} met`);
  for (const j of missed) console.log(`  not met: ${j.name}: ${j.text}`);
}
