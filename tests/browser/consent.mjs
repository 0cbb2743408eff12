// (Q04) マイナ保険証 同意登録 in Debian's chromium against the real orca-onshid, pcscd + vpcd and the card
// emulator (tests/integration/browser_card.sh sets them up). The card is put on the reader only once the
// screen waits for it: this script writes SIGNAL_FILE then, and the shell starts the emulator.
// Usage: node consent.mjs BASE_URL SCREENSHOT_DIR SIGNAL_FILE PIN AUX_PIN PTNUM NAME
import { launch, checker } from './chromium.mjs';
import fs from 'node:fs';
import path from 'node:path';

const [baseArg, shots, signal, pin, auxPin, ptnum, name] = process.argv.slice(2);
if (!baseArg || !shots || !signal || !pin || !auxPin || !ptnum || !name) {
  console.error('usage: node consent.mjs BASE_URL SCREENSHOT_DIR SIGNAL_FILE PIN AUX_PIN PTNUM NAME');
  process.exit(64);
}
const base = baseArg.replace(/\/$/, '');
fs.mkdirSync(shots, { recursive: true });

const c = checker(), check = c.check;
const { ctx, close } = await launch({ height: 900 });
const problems = [];
const page = ctx.pages()[0] || await ctx.newPage();
page.on('pageerror', e => problems.push('page error: ' + e.message));
page.on('console', m => {
  // the wrong PIN is answered 422: the protocol, not a fault of the page
  if (m.type() === 'error' && !/status of 422/.test(m.text())) problems.push('console: ' + m.text());
});
page.setDefaultTimeout(30000);
const shot = async name => { await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true }); console.log('screenshot ' + name + '.png'); };
const visible = sel => page.isVisible(sel);
const consentBodies = [];
page.on('request', r => { if (r.url().endsWith('/api/card/consent')) consentBodies.push(r.postData() || ''); });

try {
  // ---- from the main screen's menu to (Q04) -------------------------------------------------
  await page.goto(base + '/index.html');
  await page.click('#menu-main');
  await page.click('#menu-consent');
  await page.waitForURL(/consent\.html/);
  await page.waitForSelector('#item-ope-1');
  check(await visible('#form-input'), 'the consent screen opens on 1 入力');
  check(await page.isChecked('#mode-homecare'), '動作モード 訪問診療 is the default');

  // ---- 1: 外来診療等, 目視確認, the card put on the reader while the screen waits -------------
  await page.check('#mode-outpatient');
  await page.check('#identity-visual');
  check(!(await visible('#pin-row')), '目視確認: no PIN field');
  await page.click('#btn-confirm');
  check(/手術情報の提供/.test(await page.textContent('#message')), 'an unanswered consent item is refused with its name');
  await page.check('#agree-all');
  check(await page.isChecked('#item-sikkan-1'), 'すべての項目に同意する selects 同意する everywhere');
  await page.check('#item-kenshin-0');
  check(!(await page.isChecked('#agree-all')), 'one 同意しない unticks すべて');
  await page.check('#rx-paper');
  await shot('consent-input');
  await page.click('#btn-confirm');
  await page.waitForSelector('#view-confirm:not([hidden])');
  const confirmText = await page.textContent('#confirm-table');
  check(/外来診療等/.test(confirmText) && /目視確認/.test(confirmText) && /紙の処方箋を希望/.test(confirmText), 'the confirmation lists mode, identity and prescription');
  check(/特定健診等情報の提供●同意しない/.test(confirmText.replace(/\s+/g, '')), 'the confirmation shows 特定健診 同意しない');
  await shot('consent-confirm');
  await page.click('#btn-register');
  await page.waitForSelector('#view-read:not([hidden])');
  check(/マイナンバーカードを置いてください/.test(await page.textContent('#read-text')), '3 読み取り asks for the card');
  await shot('consent-reading');
  fs.writeFileSync(signal, 'insert\n');  // the shell puts the card on the reader now
  await page.waitForSelector('#view-done:not([hidden])', { timeout: 90000 });
  const r1 = await page.textContent('#result');
  check(r1.includes(name), '完了: the qualification names the patient');
  check((await page.textContent('#res-ptnum')).trim() === ptnum, '完了: 患者番号 ' + ptnum);
  check(/P031 に★/.test(await page.textContent('#res-p031')), '完了: written to P031 as ★');
  const flag = async k => (await page.textContent('#result-consents tr[data-consent="' + k + '"] td')).trim();
  check(await flag('ope') === '同意する' && await flag('kenshin') === '同意しない' && await flag('sikkan') === '同意する', '完了: the consents as OQS registered them');
  check(await flag('prescription') === '紙の処方箋を希望', '完了: 紙の処方箋');
  check(await page.isHidden('#candidates-block'), 'no 基本4情報 asked: no candidates');
  await shot('consent-done');
  check(!/Signature|pin=/.test(consentBodies[0] || 'x') && /identity=visual/.test(consentBodies[0] || ''), '目視確認: no PIN in the request');

  // ---- 2: 訪問診療, 暗証番号 + 基本4情報 → candidates ---------------------------------------------
  await page.click('#btn-close');
  await page.waitForSelector('#form-input:not([hidden])');
  await page.check('#identity-pin');
  check(await visible('#pin-row'), '暗証番号: the PIN field shows');
  check(await page.getAttribute('#pin', 'type') === 'password', 'the PIN field does not show the digits');
  await page.fill('#pin', pin);
  await page.check('#with-basic4');
  await page.fill('#aux-pin', auxPin);
  await page.check('#agree-all');
  await page.check('#item-shinryo-0');
  await page.check('#rx-electronic');
  await page.click('#btn-confirm');
  await page.waitForSelector('#view-confirm:not([hidden])');
  check(!(await page.textContent('#confirm-table')).includes(pin), 'the confirmation never shows the PIN');
  await page.keyboard.press('F12');
  await page.waitForSelector('#view-done:not([hidden])', { timeout: 90000 });
  check(await page.inputValue('#pin') === '' && await page.inputValue('#aux-pin') === '', 'the PIN fields are emptied once sent');
  check(await flag('shinryo') === '同意しない' && await flag('ope') === '同意する', 'PIN: the consents as registered');
  check(await flag('prescription') === '電子処方箋を希望', 'PIN: 電子処方箋');
  check(await page.isVisible('#candidates-block'), '基本4情報: the candidates show');
  const cands = await page.$$eval('#candidates tbody tr', trs => trs.map(t => t.textContent));
  check(cands.length === 1 && cands[0].includes(ptnum), '基本4情報: one ORCA candidate, 患者番号 ' + ptnum);
  await shot('consent-done-pin');

  // ---- the P031 preview lists the ★ row ----------------------------------------------------------
  await page.click('#btn-p031');
  await page.waitForURL(/p031\.html/);
  await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length > 0);
  const p031 = await page.textContent('main');
  check(p031.includes('★'), 'P031 preview: a ★ row');
  await shot('consent-p031');

  // ---- 3: a wrong PIN: the tries left, back on 入力, nothing registered -------------------------
  await page.goto(base + '/consent.html');
  await page.waitForSelector('#item-ope-1');
  await page.check('#identity-pin');
  await page.fill('#pin', pin === '0000' ? '1111' : '0000');
  await page.check('#agree-all');
  await page.click('#btn-confirm');
  await page.click('#btn-register');
  await page.waitForSelector('#form-input:not([hidden])', { timeout: 90000 });
  const msg = await page.textContent('#message');
  check(/暗証番号が違います（残り\d回）/.test(msg), 'a wrong PIN: the message says the tries left (' + msg.trim() + ')');
  check(await page.inputValue('#pin') === '', 'a wrong PIN: the field is empty for the next try');
  await shot('consent-wrong-pin');

  check(consentBodies.length === 3, 'three card requests were sent');
  check(problems.length === 0, 'no page errors or console errors' + (problems.length ? ': ' + problems.join('; ') : ''));
} finally {
  await close();
}
console.log(c.passed + ' checks passed');
