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

export function printRows(title: string, rows: readonly Row[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${title}`);
  for (const r of rows)
    console.log(`  ${r.name.padEnd(width)}  ${format(r.value, r.unit).padStart(16)}`);
}
