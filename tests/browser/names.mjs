// (Q02) 取得結果 with the names corpus (tests/integration/names_corpus.sh): the held units are listed with
// 受理 / 却下 and their names as OQS sent them (外字 beyond the BMP, IVS, ...). One screenshot.
// Usage: node names.mjs BASE_URL SCREENSHOT_DIR JOB_ID A_HELD_NAME
import { launch, checker } from './chromium.mjs';
import fs from 'node:fs';
import path from 'node:path';

const [baseArg, shots, job, heldName] = process.argv.slice(2);
if (!baseArg || !shots || !job || !heldName) {
  console.error('usage: node names.mjs BASE_URL SCREENSHOT_DIR JOB_ID A_HELD_NAME');
  process.exit(64);
}
const base = baseArg.replace(/\/$/, '');
fs.mkdirSync(shots, { recursive: true });
const c = checker(), check = c.check;
const { ctx, close } = await launch({ height: 900 });
const problems = [];
const page = ctx.pages()[0] || await ctx.newPage();
page.on('pageerror', e => problems.push('page error: ' + e.message));
page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
page.setDefaultTimeout(30000);
try {
  await page.goto(base + '/results.html?job=' + encodeURIComponent(job));
  await page.waitForSelector('#units-body tr.held');
  const held = await page.$$eval('#units-body tr.held', rows => rows.length);
  check(held > 0, held + ' held units listed');
  check(await page.$$eval('#units-body tr.held .review-accept', b => b.length) === held, 'each held unit has 受理');
  const text = await page.textContent('#units-body');
  check(text.includes(heldName), 'a held name is shown as kept: ' + heldName);
  // The first held unit at the top of the list, so the screenshot shows held names.
  await page.$eval('#units-body tr.held', r => r.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(shots, 'review-names.png') });
  console.log('screenshot review-names.png');
  check(problems.length === 0, 'no script errors' + (problems.length ? ': ' + problems.join(' | ') : ''));
} catch (e) {
  console.error(e.message);
  if (problems.length) console.error(problems.join('\n'));
  await close();
  process.exit(1);
}
await close();
console.log(c.passed + ' review screen checks passed');
