/**
 * `npm run bench:ui`: how fast `dd-logstore ui` opens and pages a large local run, in Debian's chromium. Makes a
 * run of BENCH_UI_RECORDS lines (default 1,000,000) with the built CLI in a temp home, starts `dd-logstore ui`,
 * and times: the first records on screen, the histogram, 20 scrolls to the bottom (each loads the next page), the
 * jump to the last page, a level filter, a text filter. BENCH_UI_SHOT=FILE also saves a screenshot of the last page.
 * Numbers are printed, never asserted (docs/ui.md keeps the last ones measured).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'bin/dd-logstore.js');
const N = Number((process.env.BENCH_UI_RECORDS ?? '1000000').replaceAll('_', ''));
if (!Number.isInteger(N) || N < 1) {
  process.stderr.write(`bench: BENCH_UI_RECORDS must be a positive whole number (e.g. BENCH_UI_RECORDS=1000000)\n`);
  process.exit(2);
}
const home = mkdtempSync(join(os.tmpdir(), 'ddls-bench-ui-'));
const env = { ...process.env, DD_LOGSTORE_HOME: home };
const child = `const L=['INFO','INFO','INFO','WARNING','ERROR','DEBUG'];let s='';for(let i=0;i<${N};i++){s+=L[i%6]+' step '+i+' loss='+(1/(i+1)).toFixed(6)+'\\n';if(s.length>65536){process.stdout.write(s);s=''}}process.stdout.write(s)`;
let t = Date.now();
const made = spawnSync(
  process.execPath,
  [CLI, 'run', '--run-id', 'big', '--step', 'train', '--', 'node', '-e', child],
  {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (made.status !== 0) process.exit(1);
console.log(`made a run of ${N.toLocaleString('en-US')} records in ${Date.now() - t} ms`);

const ui = spawn(process.execPath, [CLI, 'ui', '--no-open'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => {
  let out = '';
  ui.stdout.on('data', (c) => {
    out += c;
    const m = /^http:\S+$/m.exec(out);
    if (m) resolve(m[0]);
  });
});
const browser = await chromium.launch({
  executablePath: process.env.DD_LOGSTORE_TEST_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const position = () => page.locator('#position').textContent();
  t = Date.now();
  await page.goto(url.replace('/?', '/runs/big?'));
  await page.locator('#log .rec').first().waitFor({ timeout: 120_000 });
  console.log(`first records on screen: ${Date.now() - t} ms (${await position()})`);
  await page.locator('#histogram rect').first().waitFor({ timeout: 120_000 });
  console.log(`histogram drawn: ${Date.now() - t} ms`);
  t = Date.now();
  for (let i = 0; i < 20; i++) {
    await page.locator('#log').evaluate((l) => (l.scrollTop = l.scrollHeight));
    await page.waitForTimeout(100);
  }
  console.log(`20 scrolls to the bottom: ${Date.now() - t} ms (${await position()})`);
  t = Date.now();
  await page.click('#to-last');
  await page
    .locator('#position', { hasText: `${N.toLocaleString('en-US')} of ${N.toLocaleString('en-US')}` })
    .waitFor();
  console.log(`jump to the last page: ${Date.now() - t} ms`);
  if (process.env.BENCH_UI_SHOT) await page.screenshot({ path: process.env.BENCH_UI_SHOT });
  t = Date.now();
  for (const l of ['debug', 'info', 'warn']) await page.uncheck(`#levels input[value="${l}"]`);
  await page.waitForFunction(() => /1–500 of/.test(globalThis.document.querySelector('#position').textContent), null, {
    timeout: 120_000,
  });
  console.log(`errors only: ${Date.now() - t} ms (${await position()})`);
  t = Date.now();
  const k = Math.floor(N / 3) - (Math.floor(N / 3) % 6) + 4; // an ERROR line
  await page.fill('#text', `step ${k} `);
  await page.waitForFunction(
    () => /of \d{1,3}$/.test(globalThis.document.querySelector('#position').textContent),
    null,
    {
      timeout: 120_000,
    },
  );
  console.log(`errors with a text: ${Date.now() - t} ms (${await position()})`);
} finally {
  await browser.close();
  ui.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
