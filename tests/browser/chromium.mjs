// What every browser test shares: Debian's chromium launched headless through playwright-core with a
// Japanese UI (chromium-l10n: date fields show 2026/11/21 as in Japan) and a throwaway profile, and a
// check() that counts.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function launch({ height = 800, args = [] } = {}) {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'onshi-chromium-'));
  const ctx = await chromium.launchPersistentContext(userData, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=ja-JP', ...args],
    viewport: { width: 1366, height },
    locale: 'ja-JP',
    env: { ...process.env, LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja' },
    timezoneId: process.env.TZ || 'UTC',
  });
  const close = async () => { await ctx.close(); fs.rmSync(userData, { recursive: true, force: true }); };
  return { ctx, close };
}

export function checker() {
  const c = { passed: 0 };
  c.ok = what => { c.passed++; console.log('ok - ' + what); };
  c.check = (cond, what) => { if (!cond) throw new Error('FAIL: ' + what); c.ok(what); };
  return c;
}
