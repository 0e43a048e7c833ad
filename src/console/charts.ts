import type { DayCount } from './queries';

/** Escapes text for SVG/HTML: the chart is built here, not by the template engine. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The UTC days from `from` (inclusive), `count` of them, as YYYY-MM-DD. */
export function utcDays(from: Date, count: number): string[] {
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

export interface ChartTable {
  series: string[];
  rows: { day: string; values: number[]; total: number }[];
}

/** Day by series, every day present (zeros included), series in a stable order. */
export function tabulate(days: string[], counts: DayCount[]): ChartTable {
  const series = [...new Set(counts.map((c) => c.series))].sort();
  const rows = days.map((day) => {
    const values = series.map((s) => counts.filter((c) => c.day === day && c.series === s).reduce((sum, c) => sum + c.n, 0));
    return { day, values, total: values.reduce((a, b) => a + b, 0) };
  });
  return { series, rows };
}

const WIDTH = 740;
const HEIGHT = 220;
const LEFT = 40;
const BOTTOM = 30;
const TOP = 10;
const PALETTE = 8;

/**
 * A stacked bar chart as SVG markup, drawn on the server: no script, no CDN, no inline style (the
 * colours are classes of console.css, so the CSP needs no 'unsafe-inline'). Every text is escaped.
 * The same figures are in the table the page shows with it, for screen readers and for copying.
 */
export function stackedBarChart(title: string, table: ChartTable): string {
  const max = Math.max(1, ...table.rows.map((r) => r.total));
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = (WIDTH - LEFT - 20) / Math.max(1, table.rows.length);
  const barWidth = Math.max(2, slot * 0.7);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeXml(title)}</title>`,
    `<line class="axis" x1="${LEFT}" y1="${TOP + plotHeight}" x2="${WIDTH - 20}" y2="${TOP + plotHeight}"/>`,
    `<text class="tick" x="${LEFT - 6}" y="${TOP + 8}" text-anchor="end">${max}</text>`,
    `<text class="tick" x="${LEFT - 6}" y="${TOP + plotHeight}" text-anchor="end">0</text>`,
  );
  table.rows.forEach((row, i) => {
    const x = LEFT + i * slot + (slot - barWidth) / 2;
    let y = TOP + plotHeight;
    row.values.forEach((value, s) => {
      if (value === 0) return;
      const h = (value / max) * plotHeight;
      y -= h;
      parts.push(
        `<rect class="s${s % PALETTE}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}">` +
          `<title>${escapeXml(`${row.day} ${table.series[s] ?? ''}: ${value}`)}</title></rect>`,
      );
    });
    const last = table.rows.length - 1;
    // Every seventh day and the last, without two labels running into each other.
    if ((i % 7 === 0 && last - i >= 4) || i === last) {
      parts.push(`<text class="tick" x="${(x + barWidth / 2).toFixed(1)}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(row.day.slice(5))}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The legend: each series with its colour class. */
export function legend(table: ChartTable): { name: string; swatch: string }[] {
  return table.series.map((name, i) => ({ name, swatch: `s${i % PALETTE}` }));
}
