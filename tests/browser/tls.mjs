// The screens over TLS off loopback (browser_tls.sh): Chromium refuses the self-signed certificate
// until it is trusted — only that one, by its public key (--ignore-certificate-errors-spki-list) —
// then a login and a request made from the page, the session cookie Secure and HttpOnly.
// Usage: node tls.mjs BASE_URL SPKI_SHA256_BASE64 USER PASSWORD
import { launch, checker } from './chromium.mjs';

const [base0, spki, user, password] = process.argv.slice(2);
const base = (base0 || '').replace(/\/$/, '');
if (!base || !spki || !user || !password) { console.error('usage: node tls.mjs BASE_URL SPKI USER PASSWORD'); process.exit(64); }
const c = checker(), check = c.check;

// Not trusted: the page does not load.
{
  const { ctx, close } = await launch();
  const page = ctx.pages()[0] || await ctx.newPage();
  let error = '';
  try { await page.goto(base + '/login.html', { timeout: 15000 }); } catch (e) { error = e.message; }
  await close();
  check(/ERR_CERT/.test(error), 'an untrusted certificate is refused (' + (error.match(/ERR_CERT\w*/) || ['none'])[0] + ')');
}

const { ctx, close } = await launch({ args: ['--ignore-certificate-errors-spki-list=' + spki] });
const page = ctx.pages()[0] || await ctx.newPage();
const problems = [];
page.on('pageerror', e => problems.push('page error: ' + e.message));
page.setDefaultTimeout(20000);
try {
  await page.goto(base + '/index.html');
  await page.waitForURL(/login\.html/);
  check(page.url().startsWith('https://'), 'the login page over https');
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForURL(/index\.html/);
  await page.waitForSelector('#fkey-F2:not([disabled])');
  check((await page.textContent('#user')).includes(user), user + ' logged in over TLS');
  const cookies = await ctx.cookies(base);
  const sc = cookies.find(k => k.name === 'onshi_session');
  check(sc && sc.secure && sc.httpOnly && sc.sameSite === 'Strict', 'the session cookie is Secure, HttpOnly, SameSite=Strict');
  check(await page.evaluate(() => document.cookie) === '', 'scripts cannot read the session cookie');
  const id = await page.evaluate(async () => {
    const s = await (await fetch('/api/session')).json();
    const body = new URLSearchParams({ hospnum: '1', kind: 'welfare' });
    const r = await fetch('/api/jobs', { method: 'POST', headers: { 'X-CSRF-Token': s.csrf }, body });
    if (!r.ok) throw new Error('POST /api/jobs ' + r.status + ' ' + await r.text());
    return (await r.json()).id;
  });
  check(Number.isInteger(id) && id > 0, 'a request made over TLS: job ' + id);
  let state = '';
  for (let i = 0; i < 120 && state !== 'done'; i++) {
    state = await page.evaluate(async id => (await (await fetch('/api/jobs/' + id)).json()).state, id);
    if (state !== 'done') await page.waitForTimeout(500);
  }
  check(state === 'done', 'job ' + id + ' finished (' + state + ')');
  await page.goto(base + '/results.html?id=' + id);
  await page.waitForLoadState('networkidle');
  check(problems.length === 0, 'no script errors' + (problems.length ? ': ' + problems.join(' | ') : ''));
} catch (e) {
  console.error(e.message);
  await close();
  process.exit(1);
}
await close();
console.log(c.passed + ' TLS checks passed');
