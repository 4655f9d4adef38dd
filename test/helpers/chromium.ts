/**
 * Headless Chromium (Debian's `chromium`) for the HTML report tests: measure whether a page overflows a 600 px
 * window (email clients give a message about that much), and save screenshots in test-artifacts/ for a human to look
 * at. Under CI=true a missing Chromium fails the tests that use it; elsewhere they are skipped with a message.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IS_CI = process.env.CI === 'true';
export const WIDTH = 600;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const run = promisify(execFile);
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !IS_CI) console.warn(`${CHROMIUM} not found: the browser checks of the HTML reports are skipped (set CI=true to fail instead)`);
export const browserIt = hasChromium || IS_CI ? it : it.skip;

/** Writes the element and the document widths into the page, for --dump-dom to print. */
const MEASURE = `<script>
window.addEventListener('load', function () {
  var wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 && wide.length < 5) wide.push(el.tagName + ' ' + Math.round(r.right) + ' ' + (el.textContent || '').slice(0, 60));
  });
  var out = document.createElement('pre');
  out.id = 'dthm-measure';
  out.textContent = JSON.stringify({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide });
  document.body.appendChild(out);
});
</script>`;

export interface Measure {
  scrollWidth: number;
  innerWidth: number;
  wide: string[];
}

/** The page is measured in a 600 x 2000 window; screenshots are taller, to show the whole report. */
function chromiumArgs(profile: string, height = 2000): string[] {
  return ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', `--user-data-dir=${profile}`, `--window-size=${WIDTH},${height}`];
}

export async function measure(html: string, work: string, name: string): Promise<Measure> {
  const file = join(work, `${name}.measure.html`);
  writeFileSync(file, html.replace('</body>', `${MEASURE}</body>`));
  const { stdout } = await run(CHROMIUM, [...chromiumArgs(join(work, `profile-${name}-dom`)), '--virtual-time-budget=5000', '--dump-dom', pathToFileURL(file).href], {
    timeout: 20_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const json = /<pre id="dthm-measure">([^<]*)<\/pre>/.exec(stdout)?.[1];
  if (!json) throw new Error(`no measurement in the DOM of ${name}`);
  return JSON.parse(json.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Measure;
}

export async function screenshot(html: string, work: string, name: string): Promise<string> {
  const file = join(work, `${name}.html`);
  writeFileSync(file, html);
  const png = join(ARTIFACTS, `${name}-${WIDTH}px.png`);
  mkdirSync(ARTIFACTS, { recursive: true });
  rmSync(png, { force: true });
  await run(CHROMIUM, [...chromiumArgs(join(work, `profile-${name}-shot`), 6000), '--hide-scrollbars', `--screenshot=${png}`, pathToFileURL(file).href], { timeout: 20_000 });
  writeFileSync(join(ARTIFACTS, `${name}.html`), html);
  return png;
}

