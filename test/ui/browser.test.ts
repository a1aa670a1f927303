/**
 * `dd-logstore ui` in a real browser: Debian's chromium driven by playwright-core, against the built CLI's `ui`
 * and runs the built CLI made in a temp home. Skipped with a message when chromium is absent (never under CI).
 * With DD_LOGSTORE_UI_SCREENSHOTS=DIR the pages are also saved as PNGs there (docs/ui-*.png are made this way).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { BIN, cliEnv, runCli, tempHome } from '../cli/harness.js';
import { chromiumAvailable, launchChromium, startUi } from './harness.js';
import type { UiProcess } from './harness.js';

const SHOTS = process.env.DD_LOGSTORE_UI_SCREENSHOTS;

/** A training-like step: info lines with a loss, some warnings, an error burst and a traceback on stderr. */
const TRAIN = `
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let i = 0; i < 240; i++) {
    if (i >= 150 && i < 170) console.error('ERROR: batch ' + i + ' has NaN gradients');
    else if (i % 25 === 9) console.log('WARNING: learning rate ' + (0.1 / (i + 1)).toFixed(5) + ' is very low');
    else if (i % 40 === 0) console.log('DEBUG: checkpoint ' + i + ' written');
    else console.log('INFO: epoch ' + Math.floor(i / 40) + ' step ' + i + ' loss=' + (2 / (i + 1)).toFixed(4));
    if (i % 20 === 19) await sleep(60);
  }
  console.error('Traceback (most recent call last):\\n  File "train.py", line 42, in <module>\\n    main()\\n  File "train.py", line 17, in main\\n    raise ValueError("loss diverged")\\nValueError: loss diverged');
  await sleep(50);
  console.log('INFO: cleanup done');
  process.exit(3);
})();`;

/** Waits until `l` matches `n` elements (a page polls and re-renders: counts settle, they are not instant). */
async function countIs(l: Locator, n: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < until) {
    last = await l.count();
    if (last === n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${n} elements for ${l.toString()}, found ${last}`);
}

describe('dd-logstore ui in chromium (built CLI)', () => {
  if (!chromiumAvailable()) {
    it.skip('needs chromium', () => undefined);
    return;
  }
  const { home, cleanup } = tempHome('ddls-ui-browser-');
  let ui: UiProcess;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let context: BrowserContext;

  beforeAll(async () => {
    const prep = await runCli(
      [
        'run',
        '--run-id',
        'prepare-data-1',
        '--step',
        'prepare',
        '--',
        'node',
        '-e',
        "for (let i = 0; i < 30; i++) console.log('INFO: wrote shard ' + i)",
      ],
      { home },
    );
    expect(prep.code).toBe(0);
    const train = await runCli(['run', '--run-id', 'train-model-2', '--step', 'train', '--', 'node', '-e', TRAIN], {
      home,
    });
    expect(train.code).toBe(3);
    ui = await startUi(home);
    ({ browser, close: closeBrowser } = await launchChromium());
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  });
  afterAll(async () => {
    await context?.close();
    await closeBrowser?.();
    await ui?.stop();
    cleanup();
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${ui.base}${path}${path.includes('?') ? '&' : '?'}token=${ui.token}`);
    return page;
  }

  it('lists the two runs, newest first, with their status, and filters them', async () => {
    const page = await open('/');
    const rows = page.locator('#rows tr');
    await countIs(rows, 2);
    expect(await rows.nth(0).getAttribute('data-run-id')).toBe('train-model-2');
    expect(await rows.nth(1).getAttribute('data-run-id')).toBe('prepare-data-1');
    expect(await rows.nth(0).locator('.badge').textContent()).toBe('failed (exit 3)');
    expect(await rows.nth(1).locator('.badge').textContent()).toBe('ok');
    expect(await rows.nth(1).textContent()).toContain('prepare');
    // The address bar lost the token: the cookie carries it.
    expect(page.url()).toBe(`${ui.base}/`);
    await page.selectOption('#status', 'ok');
    await countIs(rows, 1);
    expect(await rows.nth(0).getAttribute('data-run-id')).toBe('prepare-data-1');
    await page.selectOption('#status', '');
    await page.fill('#text', 'train');
    await countIs(rows, 1);
    expect(await rows.nth(0).getAttribute('data-run-id')).toBe('train-model-2');
    await page.fill('#text', '');
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'ui-runs.png') });
    await page.click('a[href="/runs/train-model-2"]');
    await page.waitForURL(`${ui.base}/runs/train-model-2`);
    await page.close();
  });

  it("shows a run's lines coloured by level, with the traceback as one expandable record", async () => {
    const page = await open('/runs/train-model-2');
    const recs = page.locator('#log .rec');
    await countIs(recs, 242);
    expect(await recs.nth(0).textContent()).toContain('checkpoint 0 written');
    expect(await recs.nth(241).textContent()).toContain('cleanup done');
    const error = page.locator('#log .rec.error').first();
    const info = page.locator('#log .rec.info').first();
    const colour = (l: typeof error) =>
      l.locator('.m').evaluate((e) => e.ownerDocument.defaultView!.getComputedStyle(e).color);
    expect(await colour(error)).not.toBe(await colour(info));
    const tb = page.locator('#log .rec.multi');
    await countIs(tb, 1);
    expect(await tb.textContent()).toContain('5 more lines');
    expect(await tb.textContent()).not.toContain('line 17, in main');
    await tb.locator('.m').click();
    expect(await tb.textContent()).toContain('raise ValueError("loss diverged")');
    // The histogram has bars of each level the run has.
    for (const level of ['debug', 'info', 'warn', 'error'])
      expect(await page.locator(`#histogram rect.${level}`).count()).toBeGreaterThan(0);
    expect(await page.locator('#steps button').allTextContents()).toEqual([
      'All steps',
      expect.stringContaining('train · exit 3'),
    ]);
    await page.close();
  });

  it('filters by level and by text, and keeps the filters in the address', async () => {
    const page = await open('/runs/train-model-2');
    const recs = page.locator('#log .rec');
    await countIs(recs, 242);
    for (const level of ['debug', 'info', 'warn']) await page.uncheck(`#levels input[value="${level}"]`);
    await countIs(recs, 21); // 20 NaN errors and the traceback
    expect(new Set(await recs.evaluateAll((els) => els.map((e) => e.getAttribute('data-level'))))).toEqual(
      new Set(['error']),
    );
    expect(page.url()).toContain('levels=error%2Ccritical');
    await page.fill('#text', 'batch 16');
    await countIs(recs, 10);
    expect(await recs.nth(0).textContent()).toContain('batch 160 has NaN');
    if (SHOTS) {
      await page.fill('#text', '');
      for (const level of ['debug', 'info', 'warn']) await page.check(`#levels input[value="${level}"]`);
      await countIs(recs, 242);
      await page.locator('#log .rec.multi .m').click();
      // The error burst at the top of the list, a few lines of context above it.
      await page
        .locator('#log .rec.error')
        .first()
        .evaluate((e) => {
          const log = e.parentElement!;
          log.scrollTop = (e as unknown as { offsetTop: number }).offsetTop - log.offsetTop - 80;
        });
      await page.screenshot({ path: join(SHOTS, 'ui-run.png') });
      await page.locator('#log').evaluate((log) => (log.scrollTop = log.scrollHeight));
      await page.screenshot({ path: join(SHOTS, 'ui-run-traceback.png') });
    }
    await page.close();
  });

  it('follows a running run: a line the child prints shows up while it runs', async () => {
    const { home: dir } = { home };
    const trigger = join(dir, 'print-marker');
    const stop = join(dir, 'stop-now');
    const script = `
const fs = require('node:fs');
let i = 0, marked = false;
const t = setInterval(() => {
  console.log('INFO: serving request ' + i++);
  if (!marked && fs.existsSync(${JSON.stringify(trigger)})) { marked = true; console.log('WARNING: MARKER-' + fs.readFileSync(${JSON.stringify(trigger)}, 'utf8')); }
  if (fs.existsSync(${JSON.stringify(stop)})) { clearInterval(t); }
}, 200);`;
    const child = spawn(
      process.execPath,
      [BIN, 'run', '--run-id', 'live-serve-3', '--step', 'serve', '--', 'node', '-e', script],
      {
        env: cliEnv(home),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const page = await open('/runs/live-serve-3');
      await page.locator('#run-status .badge[data-status="running"]').waitFor({ timeout: 20_000 });
      await page.locator('#log .rec').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('#follow').isChecked()).toBe(true);
      const marker = `${Date.now()}`;
      const printedAt = Date.now();
      writeFileSync(trigger, marker);
      await page
        .locator('#log .rec.warn', { hasText: `MARKER-${marker}` })
        .waitFor({ timeout: 15_000 })
        .catch(async (err: unknown) => {
          // It failed once in a full Node 24 suite and never alone: say where the line was (on disk, in the page).
          const stored = await runCli(['logs', '--run-id', 'live-serve-3', '--output', 'jsonl'], { home });
          const recs = page.locator('#log .rec');
          process.stderr.write(
            `ui follow diagnostics: marker on disk: ${stored.stdout.includes(`MARKER-${marker}`)}; ` +
              `records on disk: ${stored.stdout.split('\n').filter(Boolean).length}; ` +
              `rows in the page: ${await recs.count()}; last row: ${JSON.stringify(
                await recs
                  .last()
                  .textContent({ timeout: 2_000 })
                  .catch(() => null),
              )}; ` +
              `follow: ${await page.locator('#follow').isChecked({ timeout: 2_000 })}; ` +
              `status: ${await page
                .locator('#run-status .badge')
                .getAttribute('data-status', { timeout: 2_000 })
                .catch(() => null)}; ` +
              `banner: ${JSON.stringify(
                await page
                  .locator('#error')
                  .textContent({ timeout: 2_000 })
                  .catch(() => null),
              )}\n`,
          );
          throw err;
        });
      // Measured, not asserted (the machine is shared): the issue asks for about 2 s.
      process.stderr.write(`ui follow: the child's line showed in the browser after ${Date.now() - printedAt} ms\n`);
      writeFileSync(stop, '');
      expect(await exited).toBe(0);
      await page.locator('#run-status .badge[data-status="ok"]').waitFor({ timeout: 20_000 });
      await page.close();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('shows nothing without the token: 401 and no log text', async () => {
    const fresh = await browser.newContext();
    try {
      const page = await fresh.newPage();
      for (const path of ['/', '/runs/train-model-2', '/api/runs/train-model-2/records']) {
        const res = await page.goto(`${ui.base}${path}`);
        expect(res?.status()).toBe(401);
        const body = await page.locator('body').textContent();
        expect(body).not.toContain('NaN gradients');
        expect(body).not.toContain('train-model-2');
      }
      const wrong = await page.goto(`${ui.base}/runs/train-model-2?token=nope`);
      expect(wrong?.status()).toBe(403);
    } finally {
      await fresh.close();
    }
  });
});
