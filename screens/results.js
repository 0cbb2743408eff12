// (Q02) 取得結果: one request's people, sortable; held units with 受理 / 却下.
'use strict';
(() => {
  const O = Onshi, $ = id => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const jobId = params.get('job');
  let data = null, units = [], sortKey = null, sortDir = 1, nav = null;

  const COLS = [
    { key: 'reference_number', label: '照会番号' },
    { key: 'kana', label: '氏名(カナ)', cell: u => [u.name || '', O.el('br'), O.el('span', { class: 'kana', text: u.kana || '' })] },
    { key: 'sex', label: '性別', c: true, cell: u => O.sexLabel(u.sex) },
    { key: 'birth', label: '生年月日', cell: u => O.wareki(u.birth) },
    { key: 'validity', label: '資格有効性', cell: u => u.validity_label || u.validity || '' },
    { key: 'ope', label: '手術', c: true, dot: true },
    { key: 'shinryo', label: '診療', c: true, dot: true },
    { key: 'yakuzai', label: '薬剤', c: true, dot: true },
    { key: 'kenshin', label: '特健', c: true, dot: true },
    { key: 'gendo', label: '限度', c: true, dot: true },
    { key: 'sikkan', label: '特疾', c: true, dot: true },
    { key: 'consent_from', label: '同意年月日', cell: u => date(u.consent_from) },
    { key: 'consent_to', label: '同意有効期限', cell: u => date(u.consent_to) },
    { key: 'ptnum', label: '患者番号' },
    { key: 'status', label: '確認', cell: u => reviewCell(u), cls: 'wrap review' },
  ];

  const date = v => (!v || /^0+$/.test(String(v))) ? '' : O.slash(v);
  const isHeld = u => u.status === 'held' && (!u.review_status || u.review_status === 'open');

  function reviewCell(u) {
    const parts = [];
    if (!u.reason && u.review_id && (!u.review_status || u.review_status === 'open'))
      parts.push(O.el('div', { class: 'reason', text: u.ptnum ? '要確認' : '要確認: 日レセの患者に紐付いていません' }));
    if (u.reason) parts.push(O.el('div', { class: 'reason' + (isHeld(u) ? ' error-text' : ''), text: (isHeld(u) ? '保留: ' : '') + u.reason }));
    if (u.review_id && (!u.review_status || u.review_status === 'open')) {
      const pt = O.el('input', { type: 'text', size: '8', placeholder: '患者番号', 'aria-label': '紐付ける患者番号（任意）', class: 'review-patient' });
      parts.push(O.el('div', { class: 'decide' }, pt, ' ',
        O.el('button', { type: 'button', class: 'act small review-accept', text: '受理', onclick: () => decide(u, 'accept', pt.value.trim()) }), ' ',
        O.el('button', { type: 'button', class: 'act small review-reject', text: '却下', onclick: () => decide(u, 'reject') })));
    } else if (u.review_status && u.review_status !== 'open') {
      parts.push(' ', O.el('span', { class: 'kana', text: u.review_status === 'accepted' ? '受理済' : u.review_status === 'rejected' ? '却下済' : u.review_status }));
    }
    return parts;
  }

  async function decide(u, what, patient) {
    try {
      const body = {};
      if (what === 'accept' && patient) body.patient = patient;
      await O.post('/api/review/' + encodeURIComponent(u.review_id) + '/' + what, body);
      O.showMessage((u.name || u.kana || '') + ' を' + (what === 'accept' ? '受理' : '却下') + 'しました');
      await load();
    } catch (e) { O.showError(e); }
  }

  function renderHead() {
    const head = $('units-head');
    head.textContent = '';
    for (const c of COLS) {
      const sortable = c.key !== 'status';
      const th = O.el('th', { class: (sortable ? 'sortable ' : '') + (c.c ? 'c' : ''), dataset: { key: c.key }, scope: 'col',
                              'aria-sort': sortKey === c.key ? (sortDir > 0 ? 'ascending' : 'descending') : null }, c.label);
      if (sortKey === c.key) th.append(O.el('span', { class: 'sortmark', text: sortDir > 0 ? '▲' : '▼' }));
      if (sortable) th.addEventListener('click', () => { if (sortKey === c.key) sortDir = -sortDir; else { sortKey = c.key; sortDir = 1; } render(); });
      head.append(th);
    }
  }

  function sorted() {
    const list = units.slice();
    if (!sortKey) return list;
    return list.sort((a, b) => {
      const x = a[sortKey] == null ? '' : String(a[sortKey]), y = b[sortKey] == null ? '' : String(b[sortKey]);
      return (x < y ? -1 : x > y ? 1 : a.seq - b.seq) * sortDir;
    });
  }

  function render() {
    renderHead();
    const body = $('units-body');
    const keep = nav && nav.selected();
    body.textContent = '';
    const list = sorted();
    // 詳細表示's 前へ/次へ follow this order.
    sessionStorage.setItem('onshi.order.' + jobId, JSON.stringify(list.map(u => u.seq)));
    if (!list.length) body.append(O.el('tr', {}, O.el('td', { class: 'empty', colspan: String(COLS.length), text: '取得結果はありません' })));
    for (const u of list) {
      const tr = O.el('tr', { tabindex: '0', dataset: { key: String(u.seq), status: u.status || '' }, id: 'unit-' + u.seq, class: isHeld(u) ? 'held' : '' });
      for (const c of COLS) {
        const td = O.el('td', { class: (c.c ? 'c ' : '') + (c.cls || '') });
        if (c.dot) td.textContent = O.dot(u[c.key]);
        else if (c.cell) { const v = c.cell(u); if (Array.isArray(v)) td.append(...v); else td.textContent = v; }
        else td.textContent = u[c.key] == null ? '' : u[c.key];
        tr.append(td);
      }
      body.append(tr);
    }
    const again = keep && body.querySelector('tr[data-key="' + keep + '"]');
    const want = again || body.querySelector('tr[data-key="' + (params.get('seq') || '') + '"]') || body.querySelector('tr[data-key]');
    if (want) nav.select(want);
  }

  async function load() {
    data = await O.get('/api/jobs/' + encodeURIComponent(jobId) + '/units');
    const j = data.job || {};
    units = data.units || [];
    document.title = '(Q02)' + (j.kind_label || '') + ' 同意済資格情報 取得結果';
    $('heading').textContent = (j.kind_label || '') + ' 同意済資格情報 取得結果';
    $('reception').textContent = j.reception_number || '';
    $('count').textContent = units.length + '件';
    $('range').textContent = O.rangeText(j.range_label);
    $('state').textContent = j.state_label || j.state || '';
    render();
    // Still running: look again until the result is in.
    clearTimeout(load.timer);
    if (!['done', 'failed', 'expired', 'cancelled'].includes(j.state)) load.timer = setTimeout(() => load().catch(O.showError), 2000);
  }

  const openDetail = seq => { if (seq) location.href = 'detail.html?job=' + encodeURIComponent(jobId) + '&seq=' + encodeURIComponent(seq); };
  const back = () => { location.href = 'index.html'; };

  O.start(async () => {
    if (!jobId) throw new Error('リクエストが指定されていません');
    nav = O.listNav($('units-body'), openDetail);
    O.setFkeys({
      F1: { label: '戻る', action: back },
      F5: { label: '詳細表示', action: () => openDetail(nav.selected()), enabled: () => !!nav.selected() },
      F12: { label: '閉じる', action: back },
    });
    $('btn-detail').addEventListener('click', () => openDetail(nav.selected()));
    $('btn-close').addEventListener('click', back);
    await load();
  });
})();
