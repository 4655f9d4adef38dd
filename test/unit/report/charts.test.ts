import { escapeXml, lineChartSvg, svgToPng, type LineChartOptions } from '../../../src/report/charts.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const FROM = Date.parse('2026-11-01T00:00:00.000Z');

function hourly(days: number, value: (hour: number) => number, skip: (hour: number) => boolean = () => false) {
  const points = [];
  for (let h = 0; h <= days * 24; h++) if (!skip(h)) points.push({ t: FROM + h * HOUR_MS, v: value(h) });
  return points;
}

function chart(overrides: Partial<LineChartOptions> = {}): string {
  return lineChartSvg({
    title: 'CPU used (%)',
    unit: '%',
    series: [{ label: 'CPU', points: hourly(30, (h) => 20 + (h % 24)) }],
    width: 560,
    height: 180,
    yMax: 100,
    from: FROM,
    to: FROM + 30 * DAY_MS,
    ...overrides,
  });
}

/** The path data of each series (`d` attributes). */
const paths = (svg: string): string[] => [...svg.matchAll(/<path [^>]*d="([^"]*)"/g)].map((m) => m[1] as string);

describe('lineChartSvg', () => {
  it('is deterministic, sized, titled, with gridlines at round values and UTC date labels', () => {
    const svg = chart();
    expect(chart()).toBe(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="560" height="180" viewBox="0 0 560 180" role="img" aria-label="CPU used (%)"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect([...svg.matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1])).toEqual(['0%', '25%', '50%', '75%', '100%']);
    // 30 days: a label every 5 days, at UTC midnight, on the same days in every report (counted from the epoch).
    expect([...svg.matchAll(/text-anchor="middle">([^<]*)</g)].map((m) => m[1])).toEqual(['Nov 3', 'Nov 8', 'Nov 13', 'Nov 18', 'Nov 23', 'Nov 28']);
    expect(svg).toContain('>CPU</text>');
  });

  it('draws at most one point per two pixels, and no line is long (it goes into email bodies)', () => {
    const svg = chart();
    const commands = (paths(svg)[0] ?? '').split(/\s(?=[ML])/);
    expect(commands.length).toBeLessThanOrEqual(260);
    expect(commands.length).toBeGreaterThan(200);
    expect(Math.max(...svg.split('\n').map((l) => l.length))).toBeLessThan(400);
  });

  it('leaves a gap where there are no samples, and draws a lone sample as a dot', () => {
    const svg = chart({
      series: [{ label: 'CPU', points: hourly(30, () => 50, (h) => (h > 100 && h < 200) || (h > 300 && h !== 400 && h < 500)) }],
    });
    const d = paths(svg)[0] ?? '';
    expect(d.match(/M/g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it('uses the hours as labels for a short range, a round top without yMax, and dashed markers', () => {
    const svg = lineChartSvg({
      title: 'Load',
      unit: '',
      series: [{ label: 'load', points: hourly(1, (h) => h / 10) }],
      width: 400,
      height: 150,
      markers: [{ v: 2, label: 'cores' }],
    });
    expect([...svg.matchAll(/text-anchor="middle">([^<]*)</g)].map((m) => m[1])).toEqual(['00:00', '06:00', '12:00', '18:00', '00:00']);
    expect([...svg.matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1])).toEqual(['0', '1', '2', '3', 'cores']);
    expect(svg).toContain('stroke-dasharray="4 3"');
  });

  it('escapes every text from outside (a mount point can be anything)', () => {
    const svg = chart({ title: 'Disk <b>&"', series: [{ label: '/srv/<script>alert(1)</script>\n"x"', points: [{ t: FROM, v: 1 }, { t: FROM + HOUR_MS, v: 2 }] }] });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('Disk &lt;b&gt;&amp;&quot;');
    expect(svg).toContain('/srv/&lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot;');
    expect(escapeXml(`a'b`)).toBe('a&#39;b');
  });

  it('says so in an empty chart, and wraps a long legend', () => {
    expect(chart({ series: [], emptyText: 'no samples yet' })).toContain('>no samples yet</text>');
    const many = chart({ series: Array.from({ length: 8 }, (_, i) => ({ label: `/srv/volume-${i}`, points: hourly(2, () => i * 10) })) });
    const legendYs = new Set([...many.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="12" height="3"/g)].map((m) => m[1]));
    expect(legendYs.size).toBeGreaterThan(1);
    expect(paths(many)).toHaveLength(8);
  });
});

describe('svgToPng', () => {
  it('renders a PNG at twice the CSS size', () => {
    const png = svgToPng(chart());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: width and height, big-endian, at bytes 16-23.
    expect(png.readUInt32BE(16)).toBe(1120);
    expect(png.readUInt32BE(20)).toBe(360);
    expect(png.length).toBeGreaterThan(5000);
  });
});
