// The screens end to end in Debian's chromium, against the real orca-onshid (tests/integration/browser.sh
// starts it with the simulator and PostgreSQL). Usage: node e2e.mjs BASE_URL SCREENSHOT_DIR
import { launch, checker } from './chromium.mjs';
import fs from 'node:fs';
import path from 'node:path';

const base = (process.argv[2] || '').replace(/\/$/, '');
const shots = process.argv[3];
if (!base || !shots) { console.error('usage: node e2e.mjs BASE_URL SCREENSHOT_DIR'); process.exit(64); }
fs.mkdirSync(shots, { recursive: true });

const c = checker(), { check, ok } = c;
const { ctx, close } = await launch();
const problems = [];
function watch(page) {
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('console', m => {
    const t = m.text();
    // GET /api/pdf/{id} answers 404 until the PDF is there, and the bad password 401: the protocol, not faults.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (404|400|401)/.test(t)) problems.push('console: ' + t);
  });
}
const page = ctx.pages()[0] || await ctx.newPage();
watch(page);
page.setDefaultTimeout(30000);
const shot = async (name, p = page) => { await p.screenshot({ path: path.join(shots, name + '.png'), fullPage: false }); console.log('screenshot ' + name + '.png'); };
const api = (url) => page.evaluate(u => fetch(u, { cache: 'no-store' }).then(r => r.json()), url);
const isoToday = () => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); };

async function jobIds() { return page.$$eval('#jobs-body tr[data-key]', trs => trs.map(t => Number(t.dataset.key))); }
// Waits, without reloading, until the list shows the job finished; the page must not navigate meanwhile.
async function waitDone(id, what) {
  let navigations = 0;
  const onNav = f => { if (f === page.mainFrame()) navigations++; };
  page.on('framenavigated', onNav);
  await page.waitForFunction(i => { const tr = document.getElementById('job-' + i); return tr && tr.dataset.state === 'done'; }, id, { timeout: 60000, polling: 200 });
  page.off('framenavigated', onNav);
  check(navigations === 0, what + ': completed in the list without a reload');
  const reg = await page.textContent('#job-' + id + ' td.reg');
  check(/件/.test(reg), what + ': 日レセ登録 shows the rows (' + reg.trim() + ')');
}
async function submitted(before) {
  await page.waitForFunction(n => document.querySelectorAll('#jobs-body tr[data-key]').length > n, before.length);
  const now = await jobIds();
  const id = now.find(x => !before.includes(x));
  check(id > 0, 'a new request is listed (job ' + id + ')');
  return id;
}

try {
  // ---- the request list ------------------------------------------------------------------------
  await page.goto(base + '/index.html');
  await page.waitForSelector('#fkey-F2:not([disabled])');
  check((await page.textContent('#title')).includes('(Q01)オン資一括取得'), 'title bar (Q01)オン資一括取得');
  check((await page.$$('#fkeys button')).length === 12, 'F1–F12 bar');
  check(await page.$eval('#fkey-F10', b => !b.disabled && !b.classList.contains('blank')), 'サポート (F10) shown to the local admin');
  await shot('index-empty');

  const jobsOf = {};
  // 訪問診療: defaults as the bulk tool (同意年月日範囲 one month back to today).
  {
    await page.click('#btn-new');
    check(await page.isVisible('#dlg-new'), '新規リクエスト opens 一括取得依頼');
    check(await page.inputValue('#kind') === 'welfare', '取得対象区分 defaults to 医療扶助');
    const opts = await page.$$eval('#kind option', os => os.map(o => o.textContent));
    check(opts.join(',') === '医療扶助,訪問診療,オンライン診療,訪問看護', '取得対象区分 choices in the bulk tool order');
    check(await page.inputValue('#month') === isoToday().slice(0, 7), '診療年月 defaults to this month');
    await shot('dialog-welfare');
    await page.selectOption('#kind', 'homecare');
    check(await page.isVisible('#row-consent') && !(await page.isVisible('#row-month')), '訪問診療 asks for 同意年月日範囲 only');
    check(await page.inputValue('#consent-to') === isoToday(), '同意年月日範囲 ends today');
    const t = new Date(), m = new Date(t.getFullYear(), t.getMonth() - 1, 1);
    const back = new Date(m.getFullYear(), m.getMonth(), Math.min(t.getDate(), new Date(m.getFullYear(), m.getMonth() + 1, 0).getDate()));
    const backIso = back.getFullYear() + '-' + String(back.getMonth() + 1).padStart(2, '0') + '-' + String(back.getDate()).padStart(2, '0');
    check(await page.inputValue('#consent-from') === backIso, '同意年月日範囲 starts one month back (' + backIso + ')');
    // Client-side check: a backwards range is refused next to the field.
    const keep = await page.inputValue('#consent-from');
    await page.fill('#consent-from', '2099-01-01');
    await page.click('#new-submit');
    check(/開始日が終了日より後/.test(await page.textContent('#row-consent .fieldmsg')), 'a backwards range is refused next to the field');
    await shot('dialog-homecare-invalid');
    await page.fill('#consent-from', keep);
    // The API's own check: a 400 {field} is shown next to that field (a 区分 the API does not know).
    await page.evaluate(() => { const k = document.getElementById('kind'); k.add(new Option('不明', 'bogus')); k.value = 'bogus'; });
    await page.click('#new-submit');
    await page.waitForFunction(() => document.querySelector('.fieldmsg[data-for="kind"]').textContent.length > 0);
    check(/取得対象区分/.test(await page.textContent('.fieldmsg[data-for="kind"]')), "the API's 400 message is shown next to its field (" + await page.textContent('.fieldmsg[data-for="kind"]') + ')');
    await page.evaluate(() => { const k = document.getElementById('kind'); k.remove(k.options.length - 1); });
    await page.selectOption('#kind', 'homecare');
    const before = await jobIds();
    await page.click('#new-submit');
    jobsOf.homecare = await submitted(before);
    check(!(await page.isVisible('#dlg-new')), 'the dialog closes after the request');
    await shot('index-running');
    await waitDone(jobsOf.homecare, '訪問診療');
  }
  // オンライン診療: the two checkbox ranges; one of them must be checked.
  {
    await page.click('#btn-new');
    await page.selectOption('#kind', 'online');
    check(await page.isVisible('#row-exam') && await page.isVisible('#use-consent'), 'オンライン診療 shows 診療年月日範囲 and 同意年月日範囲 with checkboxes');
    const d = new Date();
    const first = new Date(d.getFullYear(), d.getMonth(), 1), last = new Date(d.getFullYear(), d.getMonth() + 1, 0);
    const iso = x => x.getFullYear() + '-' + String(x.getMonth() + 1).padStart(2, '0') + '-' + String(x.getDate()).padStart(2, '0');
    check(await page.inputValue('#exam-from') === iso(first) && await page.inputValue('#exam-to') === iso(last), '診療年月日範囲 defaults to this month 1st–last');
    check(!(await page.isChecked('#use-exam')) && !(await page.isChecked('#use-consent')), 'neither range is checked at first');
    await page.click('#new-submit');
    check(/どちらか/.test(await page.textContent('#row-exam .fieldmsg')), 'no range checked: a message next to the ranges');
    await shot('dialog-online-invalid');
    await page.check('#use-consent');
    await shot('dialog-online');
    const before = await jobIds();
    await page.click('#new-submit');
    jobsOf.online = await submitted(before);
    await waitDone(jobsOf.online, 'オンライン診療');
  }
  // 医療扶助 and 訪問看護 with their defaults.
  for (const [kind, label] of [['welfare', '医療扶助'], ['nursing', '訪問看護']]) {
    await page.click('#btn-new');
    await page.selectOption('#kind', kind);
    const before = await jobIds();
    await page.click('#new-submit');
    jobsOf[kind] = await submitted(before);
    check((await page.textContent('#job-' + jobsOf[kind])).includes(label), label + ' listed with its 区分');
    await waitDone(jobsOf[kind], label);
  }
  // 資格有効性確認 from its own button.
  {
    await page.click('#btn-validity');
    check(await page.isVisible('#dlg-validity'), '資格有効性確認リクエスト opens its dialog');
    await shot('dialog-validity');
    const before = await jobIds();
    await page.click('#validity-submit');
    jobsOf.validity = await submitted(before);
    await waitDone(jobsOf.validity, '資格有効性確認');
  }
  // The filter.
  await page.selectOption('#filter', 'done');
  await page.waitForFunction(() => [...document.querySelectorAll('#jobs-body tr[data-key]')].every(t => t.dataset.state === 'done'));
  check((await jobIds()).length === 5, 'filter 完了 lists the five finished requests');
  await page.selectOption('#filter', 'all');
  await page.waitForTimeout(300);
  await shot('index');
  // 照会番号一括登録 from the メニュー(M).
  {
    const before = await jobIds();
    await page.keyboard.press('Alt+m');
    await page.waitForSelector('#menu-refs', { state: 'visible' });
    await page.click('#menu-refs');
    check(await page.isVisible('#dlg-refs'), '照会番号一括登録 asks for confirmation');
    await page.click('#refs-yes');
    const id = await submitted(before);
    await page.waitForFunction(i => document.getElementById('job-' + i)?.dataset.state === 'done', id, { timeout: 60000 });
    check((await page.textContent('#job-' + id)).includes('照会番号一括登録'), '照会番号一括登録 completed in the list');
  }

  // ---- 取得結果 ------------------------------------------------------------------------------
  await page.click('#job-' + jobsOf.homecare);
  await page.click('#btn-results');
  await page.waitForURL(/results\.html\?job=/);
  await page.waitForSelector('#units-body tr[data-key]');
  const data = await api('/api/jobs/' + jobsOf.homecare + '/units');
  const nUnits = (await page.$$('#units-body tr[data-key]')).length;
  check(nUnits === data.units.length && nUnits > 0, '取得結果 lists every person (' + nUnits + ')');
  const heads = await page.$$eval('#units-head th', ths => ths.map(t => t.firstChild.textContent));
  check(['照会番号', '氏名(カナ)', '性別', '生年月日', '資格有効性', '手術', '診療', '薬剤', '特健', '限度', '特疾', '同意年月日', '同意有効期限'].every(h => heads.includes(h)), '取得結果 columns as the bulk tool');
  check((await page.textContent('#units-body')).includes('●'), 'consents shown as ●');
  await page.click('#units-head th[data-key="birth"]');
  const births = await page.$$eval('#units-body tr[data-key]', trs => trs.map(t => t.dataset.key));
  const sortedSeqs = data.units.slice().sort((a, b) => (a.birth < b.birth ? -1 : a.birth > b.birth ? 1 : a.seq - b.seq)).map(u => String(u.seq));
  check(births.join() === sortedSeqs.join(), 'sorted by 生年月日 when its header is clicked');
  await page.click('#units-head th[data-key="birth"]');
  check((await page.$eval('#units-head th[data-key="birth"]', t => t.getAttribute('aria-sort'))) === 'descending', 'a second click sorts descending');
  await page.click('#units-head th[data-key="reference_number"]');
  await shot('results');
  // A held unit: its reason and 受理 / 却下; accept it.
  const held = data.units.filter(u => u.status === 'held');
  check(held.length > 0, 'the 訪問診療 result has held units (' + held.length + ')');
  const h = held[0];
  const row = '#unit-' + h.seq;
  check((await page.textContent(row)).includes(h.reason) && await page.isVisible(row + ' .review-accept') && await page.isVisible(row + ' .review-reject'), 'a held unit shows its reason with 受理 / 却下');
  await page.$eval(row, r => r.scrollIntoView());
  await shot('results-held');
  await page.click(row + ' .review-accept');
  await page.waitForFunction(s => document.getElementById('unit-' + s).textContent.includes('受理済'), h.seq);
  const after = await api('/api/jobs/' + jobsOf.homecare + '/units');
  check(after.units.find(u => u.seq === h.seq).review_status === 'accepted', '受理 accepted the held unit');

  // ---- 詳細表示: 保険 / 医療扶助 ----------------------------------------------------------------
  const both = [];
  for (const u of after.units.filter(x => x.welfare)) {
    const d = await api('/api/jobs/' + jobsOf.homecare + '/units/' + u.seq);
    if (d.insurance && d.welfare) both.push(u);
  }
  check(both.length > 0, 'someone has both 保険 and 医療扶助 (' + both.length + ')');
  await page.dblclick('#unit-' + both[0].seq);
  await page.waitForURL(/detail\.html/);
  await page.waitForSelector('#detail .block');
  check(await page.isVisible('#switch'), 'the 保険/医療扶助 switch is shown');
  check((await page.textContent('#block-title')).includes('保険'), 'detail starts on 保険');
  const titles = await page.$$eval('#detail h2', hs => hs.map(x => x.textContent));
  check(['取得患者情報', '高齢受給者証', '限度額適用認定証', '特定疾病療養受療証'].every(t => titles.some(x => x.includes(t))), 'detail shows every block (' + titles.join('/') + ')');
  await shot('detail-insurance');
  await page.click('#sw-welfare');
  check((await page.textContent('#block-title')).includes('医療券'), '医療扶助 switch shows the 医療券');
  check((await page.$$eval('#detail h2', hs => hs.map(x => x.textContent))).some(x => x.includes('医療券情報')), '医療券 block shown');
  await shot('detail-welfare');
  await page.keyboard.press('F2');
  check((await page.textContent('#block-title')).includes('保険'), 'F2 switches back to 保険');
  const seqBefore = new URL(page.url()).searchParams.get('seq');
  await page.click('#btn-next');
  await page.waitForFunction(s => new URL(location.href).searchParams.get('seq') !== s, seqBefore);
  await page.click('#btn-prev');
  await page.waitForFunction(s => new URL(location.href).searchParams.get('seq') === s, seqBefore);
  ok('次へ / 前へ move through the people');

  // ---- PDF -----------------------------------------------------------------------------------
  const withDrug = after.units.find(u => u.yakuzai === '1' && u.ptnum);
  check(!!withDrug, 'a linked person consented to 薬剤情報');
  await page.goto(base + '/detail.html?job=' + jobsOf.homecare + '&seq=' + withDrug.seq);
  await page.waitForSelector('#detail .block');
  const popupP = ctx.waitForEvent('page', { timeout: 60000 });
  await page.click('#btn-drug');
  const popup = await popupP;
  await page.waitForSelector('#pdf-open', { timeout: 60000 });
  const pdfUrl = await page.$eval('#pdf-open', a => a.href);
  await popup.waitForURL(/\/api\/pdf\/\d+/, { timeout: 30000 }).catch(() => {});
  check(/\/api\/pdf\/\d+$/.test(popup.url()), '薬剤PDF opened in a new tab (' + popup.url().replace(base, '') + ')');
  const pdf = await page.evaluate(u => fetch(u).then(async r => ({ type: r.headers.get('content-type'), head: (await r.text()).slice(0, 5) })), pdfUrl);
  check(pdf.type === 'application/pdf' && pdf.head === '%PDF-', 'GET /api/pdf/{id} is the PDF');
  await shot('detail-pdf');
  await popup.close();

  // ---- P031 preview --------------------------------------------------------------------------
  await page.goto(base + '/index.html');
  await page.waitForSelector('#fkey-F6:not([disabled])');
  await page.keyboard.press('F6');
  await page.waitForURL(/p031\.html/);
  await page.waitForSelector('#p031-body tr');
  const p031Rows = await page.$$eval('#p031-body tr', trs => trs.filter(t => !t.querySelector('td.empty')).length);
  const p031 = await api('/api/p031?hospnum=1&date=' + isoToday().replace(/-/g, '') + '&view=all&page=1');
  check(p031Rows > 0 && p031.total > 0 && p031Rows === Math.min(50, p031.total), 'P031 preview lists the new rows (' + p031.total + ')');
  check((await page.textContent('#p031-body')).includes('★'), 'P031 rows carry ★');
  const cols = await page.$$eval('#p031-head th', ths => ths.map(t => t.textContent));
  check(['番号', '区分', '手術', '診療', '薬剤', '健診', '限度', '特疾', '処理時間', '患者番号', '氏名'].every(c => cols.includes(c)), 'P031 columns as ORCA');
  await shot('p031');
  if (p031.pages > 1) {
    await page.keyboard.press('F7');
    await page.waitForFunction(() => document.getElementById('paging').textContent.startsWith('2 /'));
    ok('F7 pages to 2');
  }
  await page.selectOption('#view', 'homecare');
  await page.waitForFunction(() => document.getElementById('p031-title').textContent.includes('訪問'));
  ok('view 訪問診療同意');

  // ---- support, login ------------------------------------------------------------------------
  await page.goto(base + '/support.html');
  await page.waitForSelector('#config table');
  check((await page.textContent('#config')).includes('institution_code'), 'サポート shows the effective configuration');
  check((await page.textContent('#doctor')).length > 0, 'サポート shows doctor lines');
  await shot('support');
  await page.goto(base + '/login.html');
  await page.fill('#login-user', 'nobody');
  await page.keyboard.press('Enter');
  check(await page.evaluate(() => document.activeElement.id) === 'login-password', 'Enter moves from ユーザー名 to パスワード');
  await page.keyboard.type('wrong');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  ok('a bad password is refused on the login screen');
  await shot('login');

  // ---- keyboard only: a request and its results, no mouse ---------------------------------------
  await page.goto(base + '/index.html');
  await page.waitForSelector('#jobs-body tr[data-key]');
  const before = await jobIds();
  await page.keyboard.press('F2');
  await page.waitForSelector('#dlg-new[open]');
  check(await page.evaluate(() => document.activeElement.id) === 'kind', 'F2 opens the dialog on 取得対象区分');
  await page.keyboard.press('ArrowDown');          // 医療扶助 → 訪問診療
  check(await page.inputValue('#kind') === 'homecare', 'arrow key chooses 訪問診療');
  const path1 = [];
  for (let i = 0; i < 8 && await page.evaluate(() => document.activeElement.id) !== 'new-submit'; i++) {
    await page.keyboard.press('Enter');
    path1.push(await page.evaluate(() => document.activeElement.id));
  }
  check(path1.at(-1) === 'new-submit', 'Enter moves field to field to 資格一括取得依頼 (' + path1.join(' → ') + ')');
  await page.keyboard.press('Enter');
  const kid = await submitted(before);
  await waitDone(kid, 'keyboard 訪問診療');
  check(await page.evaluate(i => document.activeElement.id === 'job-' + i, kid), 'the new request is selected and focused');
  await page.keyboard.press('F5');
  await page.waitForURL(/results\.html\?job=/);
  await page.waitForSelector('#units-body tr[data-key].selected');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/detail\.html/);
  await page.waitForSelector('#detail .block');
  ok('keyboard: F5 opens 結果表示, Enter opens 詳細表示');
  await shot('keyboard-detail');
  await page.keyboard.press('F1');
  await page.waitForURL(/results\.html/);
  ok('keyboard: F1 goes back to 取得結果');
  check(problems.length === 0, 'no script errors, CSP violations or console errors' + (problems.length ? ': ' + problems.join(' | ') : ''));
} catch (e) {
  console.error(e.message);
  try { await shot('failure'); } catch (e2) { /* ignore */ }
  if (problems.length) console.error(problems.join('\n'));
  await close();
  console.log(c.passed + ' checks passed before the failure');
  process.exit(1);
}
await close();
console.log(c.passed + ' checks passed');
