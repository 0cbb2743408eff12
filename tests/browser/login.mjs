// The screens with users (a users file): login, a reception user without サポート, an admin with it,
// logout. Usage: node login.mjs BASE_URL SCREENSHOT_DIR (users: uketsuke / kanri, see browser.sh)
import { launch, checker } from './chromium.mjs';
import fs from 'node:fs';
import path from 'node:path';

const base = (process.argv[2] || '').replace(/\/$/, '');
const shots = process.argv[3];
if (!base || !shots) { console.error('usage: node login.mjs BASE_URL SCREENSHOT_DIR'); process.exit(64); }
const RECEPTION = ['uketsuke', 'reception-pass-1'], ADMIN = ['kanri', 'admin-pass-1'];

const c = checker(), check = c.check;
const { ctx, close } = await launch();
const problems = [];
const page = ctx.pages()[0] || await ctx.newPage();
page.on('pageerror', e => problems.push('page error: ' + e.message));
page.on('console', m => { if (m.type() === 'error' && !/status of (401|403)/.test(m.text())) problems.push('console: ' + m.text()); });
page.setDefaultTimeout(20000);

async function login([user, password]) {
  await page.goto(base + '/index.html');
  await page.waitForURL(/login\.html/);
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', user);
  await page.keyboard.press('Enter');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL(/index\.html/);
  await page.waitForSelector('#fkey-F2:not([disabled])');
  check((await page.textContent('#user')).includes(user), user + ' logged in with the keyboard and sees the request list');
}
async function logout() {
  await page.goto(base + '/index.html');
  await page.waitForSelector('#fkey-F2:not([disabled])');
  await page.click('#menu-main');
  await page.click('#menu-logout');
  await page.waitForURL(/login\.html/);
  await page.goto(base + '/index.html');
  await page.waitForURL(/login\.html/);
  check(true, 'after ログアウト the screens ask for a login again');
}

try {
  await page.goto(base + '/index.html');
  await page.waitForURL(/login\.html/);
  check(true, 'without a session the screens go to the login');
  await page.fill('#login-user', RECEPTION[0]);
  await page.fill('#login-password', 'not-the-password');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.includes('違います'));
  check(true, 'a wrong password is refused');

  await login(RECEPTION);
  check(await page.$eval('#fkey-F10', b => b.disabled && b.classList.contains('blank')), 'reception: no サポート (F10)');
  check(await page.isHidden('#menu-support'), 'reception: no サポート in the menu');
  await page.screenshot({ path: path.join(shots, 'index-reception.png') });
  await page.goto(base + '/support.html');
  await page.waitForFunction(() => document.getElementById('message').textContent.length > 0);
  check((await page.textContent('#message')).includes('管理者'), 'reception: サポート refused');
  await logout();

  await login(ADMIN);
  check(await page.$eval('#fkey-F10', b => !b.disabled), 'admin: サポート (F10)');
  await page.keyboard.press('F10');
  await page.waitForURL(/support\.html/);
  await page.waitForSelector('#config table');
  check(true, 'admin: F10 opens サポート');
  await logout();
  check(problems.length === 0, 'no script errors' + (problems.length ? ': ' + problems.join(' | ') : ''));
} catch (e) {
  console.error(e.message);
  if (problems.length) console.error(problems.join('\n'));
  try { await page.screenshot({ path: path.join(shots, 'failure-login.png') }); } catch (e2) { /* ignore */ }
  await close();
  process.exit(1);
}
await close();
console.log(c.passed + ' login checks passed');
