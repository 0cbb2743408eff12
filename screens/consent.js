// (Q04) マイナ保険証 同意登録 at the counter (seed 000 §1-1 ④-⑪): 動作モード, 本人確認 (目視確認 / PIN),
// the consent items and the prescription choice, a confirmation, the card on the reader
// (POST /api/card/consent waits for it), then the qualification as OQS answered it, written to P031.
'use strict';
(() => {
  const O = Onshi, $ = id => document.getElementById(id), el = O.el;
  const ITEMS = [['ope', '手術情報の提供'], ['shinryo', '診療情報および薬剤情報の提供'],
                 ['kenshin', '特定健診等情報の提供'], ['sikkan', '特定疾病療養受療証情報の提供']];
  const RX = { electronic: '電子処方箋を希望', paper: '紙の処方箋を希望', '': '選択しない' };
  const MODE = { homecare: '訪問診療', outpatient: '外来診療等' };
  let fac = null, step = 'input', jobId = null, seq = null, ptnum = '';

  const checked = name => (document.querySelector('input[name="' + name + '"]:checked') || {}).value;
  const choice = () => {
    const c = { mode: checked('mode'), identity: checked('identity'), prescription: checked('prescription') || '' };
    for (const [k] of ITEMS) c[k] = checked('item-' + k);
    return c;
  };

  function show(which) {
    step = which;
    $('form-input').hidden = which !== 'input';
    $('view-confirm').hidden = which !== 'confirm';
    $('view-read').hidden = which !== 'read';
    $('view-done').hidden = which !== 'done';
    document.querySelectorAll('#steps li').forEach(li => li.classList.toggle('on', li.dataset.step === which));
    O.refreshFkeys();
  }

  function buildItems() {
    const box = $('items');
    for (const [k, label] of ITEMS) {
      box.append(el('div', { class: 'drow', role: 'radiogroup', 'aria-label': label },
        el('span', { class: 'dlabel', text: label }),
        el('label', {}, el('input', { type: 'radio', name: 'item-' + k, value: '1', id: 'item-' + k + '-1' }), ' 同意する'),
        el('label', {}, el('input', { type: 'radio', name: 'item-' + k, value: '0', id: 'item-' + k + '-0' }), ' 同意しない')));
    }
    $('agree-all').addEventListener('change', () => {
      if (!$('agree-all').checked) return;
      for (const [k] of ITEMS) $('item-' + k + '-1').checked = true;
    });
    box.addEventListener('change', () => { $('agree-all').checked = ITEMS.every(([k]) => checked('item-' + k) === '1'); });
  }

  function fieldError(id, text) {
    const f = $(id);
    if (f) { f.classList.add('invalid'); f.focus(); }
    O.showMessage(text, true);
  }

  function confirm() {
    document.querySelectorAll('.invalid').forEach(x => x.classList.remove('invalid'));
    const c = choice();
    const missing = ITEMS.find(([k]) => !c[k]);
    if (missing) { fieldError('item-' + missing[0] + '-1', missing[1] + 'について「同意する」か「同意しない」を選んでください'); return; }
    if (c.identity === 'pin' && !/^\d{4}$/.test($('pin').value)) { fieldError('pin', '暗証番号（数字4桁）を入力してもらってください'); return; }
    if ($('with-basic4').checked && !/^\d{4}$/.test($('aux-pin').value)) { fieldError('aux-pin', '券面事項入力補助用暗証番号（数字4桁）を入力してもらってください'); return; }
    const tb = $('confirm-table').tBodies[0];
    tb.textContent = '';
    const row = (k, v) => tb.append(el('tr', {}, el('th', { text: k }), el('td', { text: v })));
    row('動作モード', MODE[c.mode]);
    row('本人確認', c.identity === 'pin' ? '暗証番号' : '目視確認');
    for (const [k, label] of ITEMS) row(label, c[k] === '1' ? '● 同意する' : '● 同意しない');
    row('処方箋の発行方法', '● ' + RX[c.prescription]);
    if ($('with-basic4').checked) row('基本4情報', '読み取る（日レセの患者候補を表示）');
    O.showMessage('');
    show('confirm');
    $('btn-register').focus();
  }

  // The card layer's messages (English, as in the logs) in the counter's words; others as they are.
  const CARD_WORDS = [
    [/^wrong PIN: the PIN is now blocked.*/, '暗証番号が違います。暗証番号がロックされました（市区町村の窓口で解除が必要です）'],
    [/^wrong PIN: (\d) tries? left.*/, '暗証番号が違います（残り$1回）'],
    [/^only 1 PIN try left.*/, '暗証番号の残り回数が1回です。読み取りを中止しました（目視確認で登録できます）'],
    [/^the .* PIN is blocked.*/, '暗証番号がロックされています。何も送信していません（市区町村の窓口で解除が必要です）'],
    [/^no card in .*/, 'カードが置かれませんでした'],
    [/^no card reader.*/, 'カードリーダーが見つかりません'],
    [/is not a My Number card/, 'マイナンバーカードではありません'],
  ];
  const cardWords = m => { for (const [re, jp] of CARD_WORDS) if (re.test(m)) return m.replace(re, jp); return m; };

  const sleep = ms => new Promise(ok => setTimeout(ok, ms));

  async function register() {
    const c = choice();
    const body = { hospnum: fac.hospnum, ...c, wait: 60 };
    if (c.identity === 'pin') body.pin = $('pin').value;
    if ($('with-basic4').checked) body.aux_pin = $('aux-pin').value;
    $('pin').value = ''; $('aux-pin').value = '';   // the PINs stay nowhere on the page
    show('read');
    $('read-text').textContent = 'カードリーダーにマイナンバーカードを置いてください';
    O.showMessage('');
    let r;
    try {
      r = await O.post('/api/card/consent', body);
    } catch (e) {
      show('input');
      O.showMessage('カードを読み取れませんでした: ' + cardWords(e.message), true);
      return;
    }
    jobId = r.id;
    $('read-text').textContent = '読み取りが完了しました。資格情報を照会しています…';
    let job = null;
    for (let n = 0; n < 600; n++) {
      job = await O.get('/api/jobs/' + encodeURIComponent(jobId));
      if (['done', 'failed', 'expired', 'cancelled'].includes(job.state)) break;
      await sleep(500);
    }
    if (!job || job.state !== 'done') {
      show('input');
      O.showMessage('資格情報を取得できませんでした: ' + ((job && (job.error || job.state_label)) || '時間切れ'), true);
      return;
    }
    await showResult(r);
  }

  const yn = v => v === '1' ? '同意する' : v === '0' ? '同意しない' : '－';
  const ratio = v => (/^\d{3}$/.test(String(v || '')) && Number(v) % 10 === 0 && Number(v) > 0) ? (Number(v) / 10) + '割' : (v || '');

  async function showResult(r) {
    const all = await O.get('/api/jobs/' + encodeURIComponent(jobId) + '/units');
    const u = (all.units || [])[0];
    if (!u) throw new Error('結果がありません');
    seq = u.seq; ptnum = u.ptnum || '';
    const d = await O.get('/api/jobs/' + encodeURIComponent(jobId) + '/units/' + encodeURIComponent(seq));
    const b = d.insurance || d.welfare || {};
    $('res-refnum').textContent = u.reference_number || '－';
    $('res-ptnum').textContent = ptnum || '（日レセの患者に紐付いていません）';
    $('res-p031').textContent = u.status === 'written' ? 'P031 に★で表示されます' : u.status === 'held' ? '確認待ち（結果一覧で受理してください）' : '';
    const g = el('div', { class: 'grid' });
    const pairs = [
      ['保険者名称', b.insurer_name, true], ['保険者番号', b.insurer_number], ['記号・番号・枝番', [b.kigo, b.num, b.edaban].filter(Boolean).join('・')],
      ['氏名', b.name], ['カナ', b.kana], ['生年月日', O.wareki(b.birth)], ['性別', O.sexLabel(b.sex)],
      ['区分', b.card_label || b.card_class], ['一部負担金割合', ratio(b.ratio)],
      ['有効開始年月日', O.slash(b.valid_from)], ['有効終了年月日', O.slash(b.valid_to)]];
    for (const [label, value, wide] of pairs)
      g.append(el('div', { class: 'l', text: label }), el('div', { class: 'v' + (wide ? ' wide' : ''), text: value == null ? '' : String(value) }));
    const consents = el('table', { class: 'list kv', id: 'result-consents' }, el('tbody'));
    const cs = b.consents || {};
    for (const [k, label] of ITEMS)
      consents.tBodies[0].append(el('tr', { dataset: { consent: k } }, el('th', { text: label }), el('td', { text: yn((cs[k] || {}).flag) })));
    consents.tBodies[0].append(el('tr', { dataset: { consent: 'prescription' } }, el('th', { text: '処方箋の発行方法' }),
      el('td', { text: b.prescription === '1' ? '電子処方箋を希望' : b.prescription === '2' ? '紙の処方箋を希望' : '－' })));
    $('result').textContent = '';
    $('result').append(el('h2', { text: d.insurance ? '医療保険' : '医療扶助' }), g, el('h2', { text: '同意情報' }), consents);
    const tb = $('candidates').tBodies[0];
    tb.textContent = '';
    $('candidates-block').hidden = !r.basic4;
    if (r.basic4) {
      const list = r.candidates || [];
      if (!list.length) tb.append(el('tr', {}, el('td', { class: 'empty', colspan: '4', text: '該当する患者はいません' })));
      for (const p of list) tb.append(el('tr', {}, el('td', { text: p.ptnum }), el('td', { text: p.name }), el('td', { text: O.wareki(p.birth) }), el('td', { text: O.sexLabel(p.sex) })));
    }
    O.showMessage('同意登録が完了しました（' + (r.extended ? '拡張APDUで' : '短いAPDUで') + '読み取り）');
    show('done');
    $('btn-close').focus();
  }

  function reset() {
    $('form-input').reset();
    $('pin-row').hidden = true; $('aux-row').hidden = true;
    jobId = null; seq = null; ptnum = '';
    O.showMessage('');
    show('input');
    $('mode-homecare').focus();
  }

  O.start(async () => {
    fac = await O.facility();
    $('facility').textContent = '医療機関 ' + fac.hospnum + '（' + fac.institution_code + '）';
    buildItems();
    document.querySelectorAll('input[name="identity"]').forEach(x => x.addEventListener('change', () => {
      $('pin-row').hidden = checked('identity') !== 'pin';
      if (!$('pin-row').hidden) $('pin').focus();
    }));
    $('with-basic4').addEventListener('change', () => { $('aux-row').hidden = !$('with-basic4').checked; });
    $('form-input').addEventListener('submit', ev => { ev.preventDefault(); confirm(); });
    $('btn-back').addEventListener('click', () => show('input'));
    $('btn-register').addEventListener('click', () => register().catch(e => { show('input'); O.showError(e); }));
    const detail = () => { if (jobId) location.href = 'detail.html?job=' + encodeURIComponent(jobId) + '&seq=' + encodeURIComponent(seq); };
    const p031 = () => { location.href = 'p031.html?hospnum=' + fac.hospnum; };
    $('btn-detail').addEventListener('click', detail);
    $('btn-p031').addEventListener('click', p031);
    $('btn-close').addEventListener('click', reset);
    O.setFkeys({
      F1: { label: '戻る', action: () => { if (step === 'confirm') show('input'); else location.href = 'index.html'; }, enabled: () => step !== 'read' },
      F6: { label: 'P031プレビュー', action: p031, enabled: () => step !== 'read' },
      F9: { label: '詳細表示', action: detail, enabled: () => step === 'done' },
      F12: { label: '確定', action: () => { if (step === 'input') confirm(); else if (step === 'confirm') register().catch(O.showError); else if (step === 'done') reset(); },
             enabled: () => step !== 'read' },
    });
    show('input');
  });
})();
