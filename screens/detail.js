// (Q03) 詳細表示: every block of one person's result, 保険 / 医療扶助, 前へ/次へ, 薬剤/特健 PDF.
'use strict';
(() => {
  const O = Onshi, $ = id => document.getElementById(id), el = O.el;
  const params = new URLSearchParams(location.search);
  const jobId = params.get('job');
  let seq = params.get('seq');
  let job = null, units = [], order = [], detail = null, showing = 'insurance';

  const HONKZK = { '1': '本人', '2': '家族' };
  const CONSENTS = [['ope', '手術'], ['shinryo', '診療'], ['yakuzai', '薬剤'], ['kenshin', '特健'], ['gendo', '限度'], ['sikkan', '特疾']];
  const d = v => O.slash(v);
  // ftnrate as ORCA stores it (030 = 30%) → 3割 as the card says it
  const ratio = v => (/^\d{3}$/.test(String(v || '')) && Number(v) % 10 === 0 && Number(v) > 0) ? (Number(v) / 10) + '割' : (v || '');

  function grid(pairs) {
    const g = el('div', { class: 'grid' });
    for (const p of pairs) {
      if (!p) continue;
      const [label, value, wide] = p;
      g.append(el('div', { class: 'l', text: label }), el('div', { class: 'v' + (wide ? ' wide' : ''), text: value == null ? '' : String(value) }));
    }
    return g;
  }
  const block = (title, ...content) => el('section', { class: 'block' }, el('h2', { text: title }), ...content);

  function render() {
    const b = detail && (showing === 'welfare' ? detail.welfare : detail.insurance);
    const unit = units.find(u => String(u.seq) === String(seq)) || {};
    $('refnum').textContent = unit.reference_number || '－';
    $('ptnum').textContent = unit.ptnum || '（未登録）';
    const i = order.indexOf(Number(seq));
    $('position').textContent = order.length ? (i + 1) + ' / ' + order.length + '件' : '';
    $('switch').hidden = !(detail && detail.insurance && detail.welfare);
    $('sw-insurance').setAttribute('aria-pressed', String(showing === 'insurance'));
    $('sw-welfare').setAttribute('aria-pressed', String(showing === 'welfare'));
    $('block-title').textContent = showing === 'welfare' ? '【医療券情報】' : '【保険情報】';
    const box = $('detail');
    box.textContent = '';
    if (!b) { box.append(el('div', { class: 'block', text: '情報がありません' })); return; }
    const consents = el('div', { class: 'consents' });
    for (const [k, label] of CONSENTS) {
      const c = (b.consents && b.consents[k]) || {};
      consents.append(el('span', { dataset: { consent: k } }, label + ' ', el('b', { text: O.dot(c.flag) || '－' })));
    }
    const main = block(showing === 'welfare' ? '取得患者情報（医療扶助）' : '取得患者情報（医療保険）',
      grid([
        [showing === 'welfare' ? '医療券区分' : '取得患者区分', b.card_label || b.card_class],
        ['資格有効性', b.validity_label || b.validity],
        ['カナ', b.kana], ['性別', O.sexLabel(b.sex)],
        ['名前', b.name], ['生年月日', O.wareki(b.birth)],
        [showing === 'welfare' ? '負担者番号' : '保険者番号', b.insurer_number], ['記号', b.kigo],
        [showing === 'welfare' ? '受給者番号' : '番号', b.num], ['枝番', b.edaban],
        ['本人家族区分', HONKZK[b.honkzk] || b.honkzk], ['一部負担金割合', ratio(b.ratio)],
        ['有効開始年月日', d(b.valid_from)], ['有効終了年月日', d(b.valid_to)],
        ['住所', (b.post ? '〒' + b.post + ' ' : '') + (b.address || ''), true],
        [showing === 'welfare' ? '負担者名称' : '保険者名称', b.insurer_name, true],
      ]),
      el('div', { class: 'grid' }, el('div', { class: 'l', text: '同意情報' }), el('div', { class: 'wide' }, consents)));
    const e = b.elderly || {};
    const elderly = block('高齢受給者証情報', grid([
      ['資格取得年月日', d(e.acquired)], ['一部負担金割合', ratio(e.ratio)],
      ['有効開始年月日', d(e.valid_from)], ['有効終了年月日', d(e.valid_to)]]));
    const l = b.limit || {};
    const limit = block('限度額適用認定証情報', grid([
      ['区分', l.class_label || l.class], ['適用区分', l.flag],
      ['交付年月日', d(l.acquired)], ['同意', O.dot(l.consent)],
      ['有効開始年月日', d(l.valid_from)], ['有効終了年月日', d(l.valid_to)]]));
    const diseases = (b.diseases || []).slice(0, 3);
    const dis = [];
    for (let k = 0; k < Math.max(1, diseases.length); k++) {
      const x = diseases[k] || {};
      dis.push(block('特定疾病療養受療証情報' + (diseases.length > 1 ? '（' + (k + 1) + '）' : ''), grid([
        ['認定疾病区分', x.category_label || x.category, true],
        ['自己負担限度額', x.amount], ['適用開始年月日', d(x.limit_start)],
        ['有効開始年月日', d(x.valid_from)], ['有効終了年月日', d(x.valid_to)]])));
    }
    const parts = [main, el('div', { class: 'columns' }, elderly, limit), ...dis];
    if (showing === 'welfare') {
      const tickets = b.tickets || [];
      if (!tickets.length) parts.push(block('医療券情報', el('div', { text: '医療券はありません' })));
      tickets.forEach((t, k) => parts.push(block('医療券情報（' + (k + 1) + '）', grid([
        ['有効開始年月日', d(t.valid_from)], ['有効終了年月日', d(t.valid_to)],
        ['負担割合', t.ratio], ['本人支払額', t.limit]]))));
    }
    box.append(...parts);
    O.refreshFkeys();
  }

  async function loadUnit() {
    detail = await O.get('/api/jobs/' + encodeURIComponent(jobId) + '/units/' + encodeURIComponent(seq));
    if (!detail.insurance && detail.welfare) showing = 'welfare';
    else if (showing === 'welfare' && !detail.welfare) showing = 'insurance';
    history.replaceState(null, '', 'detail.html?job=' + encodeURIComponent(jobId) + '&seq=' + encodeURIComponent(seq));
    $('pdf-link').textContent = '';
    render();
  }

  const pos = () => order.indexOf(Number(seq));
  async function move(step) {
    const i = pos() + step;
    if (i < 0 || i >= order.length) return;
    seq = String(order[i]);
    await loadUnit();
  }
  function sw(which) {
    if (which === 'welfare' && !(detail && detail.welfare)) return;
    if (which === 'insurance' && !(detail && detail.insurance)) return;
    showing = which; render();
  }

  // POST /api/pdf, wait until GET /api/pdf/{id} answers, and open it in a new tab.
  async function pdf(type) {
    const unit = units.find(u => String(u.seq) === String(seq)) || {};
    const label = type === 'drug' ? '薬剤情報PDF' : '特定健診PDF';
    if (!unit.ptnum) { O.showMessage('日レセの患者に紐付いていないため' + label + 'は取得できません', true); return; }
    const win = window.open('', '_blank');   // opened by the click, so no popup blocker stops it
    try {
      const hospnum = (job && job.hospnum) || Number(localStorage.getItem('onshi.hospnum')) || 1;
      const r = await O.post('/api/pdf', { hospnum, patient: unit.ptnum, type });
      O.showMessage(label + 'を取得しています…');
      const url = '/api/pdf/' + encodeURIComponent(r.id);
      for (let n = 0; n < 120; n++) {
        const res = await fetch(url, { method: 'GET', credentials: 'same-origin', cache: 'no-store' });
        if (res.ok) {
          O.showMessage(label + 'を表示しました');
          $('pdf-link').textContent = '';
          $('pdf-link').append(el('a', { href: url, target: '_blank', rel: 'noopener', id: 'pdf-open', text: label + 'を開く' }));
          if (win && !win.closed) win.location.href = url; else window.open(url, '_blank');
          return;
        }
        if (res.status !== 404) throw new O.ApiError(res.status, await res.json().catch(() => null));
        await new Promise(ok => setTimeout(ok, 1000));
      }
      throw new Error(label + 'の取得が時間内に終わりませんでした');
    } catch (e) {
      if (win && !win.closed) win.close();
      O.showError(e);
    }
  }

  const back = () => { location.href = 'results.html?job=' + encodeURIComponent(jobId) + '&seq=' + encodeURIComponent(seq); };

  O.start(async () => {
    if (!jobId || !seq) throw new Error('患者が指定されていません');
    O.setFkeys({
      F1: { label: '戻る', action: back },
      F2: { label: '保険', action: () => sw('insurance'), enabled: () => !!(detail && detail.insurance && detail.welfare) },
      F3: { label: '医療扶助', action: () => sw('welfare'), enabled: () => !!(detail && detail.insurance && detail.welfare) },
      F7: { label: '前へ', action: () => move(-1), enabled: () => pos() > 0 },
      F8: { label: '次へ', action: () => move(1), enabled: () => pos() >= 0 && pos() < order.length - 1 },
      F10: { label: '薬剤PDF', action: () => pdf('drug') },
      F11: { label: '特健PDF', action: () => pdf('checkup') },
      F12: { label: '閉じる', action: back },
    });
    $('sw-insurance').addEventListener('click', () => sw('insurance'));
    $('sw-welfare').addEventListener('click', () => sw('welfare'));
    $('btn-prev').addEventListener('click', () => move(-1).catch(O.showError));
    $('btn-next').addEventListener('click', () => move(1).catch(O.showError));
    $('btn-drug').addEventListener('click', () => pdf('drug'));
    $('btn-checkup').addEventListener('click', () => pdf('checkup'));
    $('btn-close').addEventListener('click', back);
    const all = await O.get('/api/jobs/' + encodeURIComponent(jobId) + '/units');
    job = all.job; units = all.units || [];
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem('onshi.order.' + jobId) || 'null'); } catch (e) { saved = null; }
    order = Array.isArray(saved) && saved.length === units.length ? saved.map(Number) : units.map(u => Number(u.seq));
    document.title = '(Q03)取得患者情報 詳細表示 ' + ((job && job.kind_label) || '');
    await loadUnit();
    $('btn-prev').disabled = false;
  });
})();
