// (Q01) リクエスト済み一覧 and the 一括取得依頼 dialog.
'use strict';
(() => {
  const O = Onshi, $ = id => document.getElementById(id);
  let fac = null, jobs = [], nav = null, timer = null;

  const KIND_LABEL = { homecare: '訪問診療', nursing: '訪問看護', online: 'オンライン診療', welfare: '医療扶助',
                       validity: '資格有効性確認', register_refs: '照会番号一括登録' };
  const isPdf = j => String(j.kind).startsWith('pdf_');
  const FINISHED = ['done', 'failed', 'expired', 'cancelled'];

  // The mark the rows carry in P031: ★ (顔認証 recipe) or 訪/オ (ORCA's 同意一括 recipe).
  function rowMark(j) {
    const style = j.style || (fac && fac.p031_mark) || 'star';
    if (style === 'consent' && (j.kind === 'homecare' || j.kind === 'nursing')) return '訪';
    if (style === 'consent' && j.kind === 'online') return 'オ';
    return '★';
  }
  const n = v => (v === undefined || v === null || v < 0) ? null : v;

  function stateCell(j) {
    const td = O.el('td', { class: 'state' });
    const cls = j.state === 'done' ? 'state-done' : (['failed', 'expired', 'cancelled'].includes(j.state) ? 'state-error' : 'state-running');
    td.append(O.el('span', { class: cls, text: j.state_label || j.state }));
    if (!FINISHED.includes(j.state)) {
      // Waiting for OQS: a bar that moves (indeterminate), and how often it has asked.
      const p = O.el('progress', { 'aria-label': '処理中' });
      td.append(' ', p);
      if (j.poll_count > 0) td.append(O.el('span', { class: 'kana', text: ' 問合せ' + j.poll_count + '回' }));
    }
    return td;
  }
  function regCell(j) {
    const td = O.el('td', { class: 'reg' });
    if (j.kind === 'register_refs') { td.textContent = j.state === 'done' ? '登録済' : '未'; return td; }
    if (isPdf(j)) { td.textContent = j.state === 'done' ? 'PDF取得済' : '－'; return td; }
    if (j.state !== 'done' || n(j.rows) === null) { td.textContent = '未'; return td; }
    td.append(O.el('span', { class: 'mark', text: rowMark(j) }), ' ' + j.rows + '件');
    const extra = [];
    if (n(j.unmatched)) extra.push('患者未登録' + j.unmatched);
    if (n(j.held)) extra.push('保留' + j.held);
    if (extra.length) td.append(O.el('span', { class: 'kana', text: '（' + extra.join('・') + '）' }));
    return td;
  }

  function render() {
    const body = $('jobs-body');
    const keep = nav ? nav.selected() : null;
    const hadFocus = document.activeElement && document.activeElement.closest && document.activeElement.closest('#jobs-body');
    body.textContent = '';
    if (!jobs.length) {
      body.append(O.el('tr', {}, O.el('td', { class: 'empty', colspan: '7', text: 'リクエストはありません' })));
    }
    for (const j of jobs) {
      const tr = O.el('tr', { tabindex: '0', dataset: { key: String(j.id), state: j.state, kind: j.kind }, id: 'job-' + j.id, 'aria-selected': 'false' },
        O.el('td', { text: (j.created_at || '').replace(/-/g, '/').replace('T', ' ').slice(0, 19) }),
        O.el('td', { text: j.kind_label || KIND_LABEL[j.kind] || j.kind }),
        O.el('td', { text: O.rangeText(j.range_label) }),
        stateCell(j),
        regCell(j),
        O.el('td', { text: j.reception_number || '' }),
        O.el('td', { class: 'wrap', text: j.error || j.note || '' }));
      if (j.error) tr.cells[6].classList.add('error-text');
      body.append(tr);
    }
    const again = keep && body.querySelector('tr[data-key="' + keep + '"]');
    if (again) {
      again.classList.add('selected'); again.setAttribute('aria-selected', 'true');
      if (hadFocus) again.focus();
    }
    O.refreshFkeys();
  }

  async function reload() {
    try {
      jobs = await O.get('/api/jobs?hospnum=' + fac.hospnum + '&filter=' + encodeURIComponent($('filter').value));
      render();
    } catch (e) { O.showError(e); }
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => { await reload(); schedule(); }, 2000);
  }

  const selectedJob = () => { const k = nav.selected(); return k ? jobs.find(j => String(j.id) === k) : null; };
  const canOpen = () => { const j = selectedJob(); return !!j && j.kind !== 'register_refs'; };
  function openResults(id) {
    const j = jobs.find(x => String(x.id) === String(id));
    if (!j) return;
    if (j.kind === 'register_refs') { O.showMessage('照会番号一括登録には表示する結果がありません', true); return; }
    if (isPdf(j)) {
      if (j.state === 'done') window.open('/api/pdf/' + encodeURIComponent(j.id), '_blank');
      else O.showMessage('PDFはまだ取得できていません', true);
      return;
    }
    location.href = 'results.html?job=' + encodeURIComponent(j.id) + '&hospnum=' + fac.hospnum;
  }

  // ---- field messages ------------------------------------------------------------------------
  function clearMessages(form) {
    form.querySelectorAll('.fieldmsg').forEach(m => { m.textContent = ''; });
    form.querySelectorAll('.invalid').forEach(i => i.classList.remove('invalid'));
  }
  function fieldMessage(form, field, text) {
    const msg = [...form.querySelectorAll('.fieldmsg')].find(m => m.dataset.for.split(' ').includes(field)) ||
                [...form.querySelectorAll('.fieldmsg')].find(m => m.dataset.for.split(' ').includes('_'));
    if (msg) msg.textContent = text;
    const input = form.querySelector('[name="' + field + '"]');
    if (input) { input.classList.add('invalid'); input.focus(); }
  }

  // ---- 一括取得依頼 ------------------------------------------------------------------------------
  function resetNewDialog() {
    const today = new Date();
    $('kind').value = 'welfare';
    $('month').value = O.isoDate(today).slice(0, 7);
    $('consent-from').value = O.isoDate(O.addMonths(today, -1));
    $('consent-to').value = O.isoDate(today);
    $('exam-from').value = O.isoDate(new Date(today.getFullYear(), today.getMonth(), 1));
    $('exam-to').value = O.isoDate(new Date(today.getFullYear(), today.getMonth() + 1, 0));
    $('use-exam').checked = false; $('use-consent').checked = false;
    clearMessages($('form-new'));
    kindChanged();
  }
  function kindChanged() {
    const k = $('kind').value;
    $('row-month').hidden = k !== 'welfare';
    $('row-consent').hidden = k === 'welfare';
    $('row-exam').hidden = k !== 'online';
    $('use-consent').hidden = k !== 'online';
    rangeChecks();
    clearMessages($('form-new'));
  }
  function rangeChecks() {
    const online = $('kind').value === 'online';
    $('exam-from').disabled = $('exam-to').disabled = online && !$('use-exam').checked;
    $('consent-from').disabled = $('consent-to').disabled = online && !$('use-consent').checked;
  }
  function openNew() {
    resetNewDialog();
    $('dlg-new').showModal();
    $('kind').focus();
  }
  // Client-side checks; the API checks again and answers 400 {field}.
  function validateNew() {
    const form = $('form-new'), k = $('kind').value;
    clearMessages(form);
    const body = { hospnum: fac.hospnum, kind: k, consent_from: '', consent_to: '', exam_from: '', exam_to: '', month: '', seen_since: '' };
    const range = (fromId, toId, fromName, toName, label) => {
      const f = $(fromId).value, t = $(toId).value;
      if (!f) { fieldMessage(form, fromName, label + 'の開始日を入力してください'); return false; }
      if (!t) { fieldMessage(form, toName, label + 'の終了日を入力してください'); return false; }
      if (f > t) { fieldMessage(form, fromName, label + 'の開始日が終了日より後です'); return false; }
      body[fromName] = O.fromIso(f); body[toName] = O.fromIso(t);
      return true;
    };
    if (k === 'welfare') {
      if (!$('month').value) { fieldMessage(form, 'month', '診療年月を入力してください'); return null; }
      body.month = O.fromIso($('month').value);
    } else if (k === 'online') {
      const ue = $('use-exam').checked, uc = $('use-consent').checked;
      if (!ue && !uc) { fieldMessage(form, 'exam_from', '診療年月日範囲か同意年月日範囲のどちらかにチェックを入れてください'); $('use-exam').focus(); return null; }
      if (ue && uc) { fieldMessage(form, 'exam_from', '診療年月日範囲と同意年月日範囲はどちらか一方だけ選択してください'); $('use-exam').focus(); return null; }
      if (ue && !range('exam-from', 'exam-to', 'exam_from', 'exam_to', '診療年月日範囲')) return null;
      if (uc && !range('consent-from', 'consent-to', 'consent_from', 'consent_to', '同意年月日範囲')) return null;
    } else if (!range('consent-from', 'consent-to', 'consent_from', 'consent_to', '同意年月日範囲')) return null;
    return body;
  }
  async function submitNew() {
    const body = validateNew();
    if (!body) return;
    const btn = $('new-submit');
    btn.disabled = true;
    try {
      const r = await O.post('/api/jobs', body);
      $('dlg-new').close();
      O.showMessage('リクエストを受け付けました（' + (KIND_LABEL[body.kind] || body.kind) + '）');
      await reload();
      const tr = r && document.getElementById('job-' + r.id);
      if (tr) nav.select(tr);
    } catch (e) {
      if (e instanceof O.ApiError && e.status === 400) fieldMessage($('form-new'), e.field || '_', e.message);
      else fieldMessage($('form-new'), '_', e.message);
    } finally { btn.disabled = false; }
  }

  // ---- 資格有効性確認リクエスト -------------------------------------------------------------------
  function openValidity() {
    clearMessages($('form-validity'));
    $('use-seen').checked = false; $('seen-since').disabled = true;
    $('seen-since').value = O.isoDate(O.addMonths(new Date(), -3));
    $('dlg-validity').showModal();
    $('validity-submit').focus();
  }
  async function submitValidity() {
    const form = $('form-validity');
    clearMessages(form);
    const body = { hospnum: fac.hospnum, kind: 'validity', consent_from: '', consent_to: '', exam_from: '', exam_to: '', month: '', seen_since: '' };
    if ($('use-seen').checked) {
      if (!$('seen-since').value) { fieldMessage(form, 'seen_since', '来院日を入力してください'); return; }
      body.seen_since = O.fromIso($('seen-since').value);
    }
    try {
      const r = await O.post('/api/jobs', body);
      $('dlg-validity').close();
      O.showMessage('資格有効性確認リクエストを受け付けました');
      await reload();
      const tr = r && document.getElementById('job-' + r.id);
      if (tr) nav.select(tr);
    } catch (e) { fieldMessage(form, (e instanceof O.ApiError && e.field) || '_', e.message); }
  }

  // ---- 照会番号一括登録 ----------------------------------------------------------------------------
  function openRefs() { clearMessages($('dlg-refs')); $('dlg-refs').showModal(); $('refs-yes').focus(); }
  async function submitRefs() {
    try {
      await O.post('/api/register-refs', { hospnum: fac.hospnum });
      $('dlg-refs').close();
      O.showMessage('照会番号一括登録を受け付けました');
      await reload();
    } catch (e) { fieldMessage($('dlg-refs'), (e instanceof O.ApiError && e.field) || '_', e.message); }
  }

  O.start(async () => {
    fac = await O.facility();
    $('facility').textContent = '医療機関 ' + fac.hospnum + '（' + fac.institution_code + '）';
    nav = O.listNav($('jobs-body'), openResults);
    O.setFkeys({
      F2: { label: '新規リクエスト', action: openNew },
      F3: { label: '資格有効性確認', action: openValidity },
      F4: { label: '結果問合せ', action: reload },
      F5: { label: '結果表示', action: () => openResults(nav.selected()), enabled: canOpen },
      F6: { label: 'P031プレビュー', action: () => { location.href = 'p031.html?hospnum=' + fac.hospnum; } },
      F7: { label: '同意登録', action: () => { location.href = 'consent.html?hospnum=' + fac.hospnum; } },
      F10: { label: 'サポート', action: () => { location.href = 'support.html'; }, visible: O.isAdmin },
    });
    $('btn-new').addEventListener('click', openNew);
    $('btn-validity').addEventListener('click', openValidity);
    $('btn-inquire').addEventListener('click', reload);
    $('btn-results').addEventListener('click', () => {
      if (canOpen()) openResults(nav.selected()); else O.showMessage('結果を表示するリクエストを選択してください', true);
    });
    $('filter').addEventListener('change', reload);
    $('kind').addEventListener('change', kindChanged);
    $('use-exam').addEventListener('change', () => { clearMessages($('form-new')); rangeChecks(); if ($('use-exam').checked && $('use-consent').checked) { $('use-consent').checked = false; rangeChecks(); } });
    $('use-consent').addEventListener('change', () => { clearMessages($('form-new')); rangeChecks(); if ($('use-exam').checked && $('use-consent').checked) { $('use-exam').checked = false; rangeChecks(); } });
    $('new-submit').addEventListener('click', submitNew);
    $('new-cancel').addEventListener('click', () => $('dlg-new').close());
    O.setDialogKeys($('dlg-new'), { F12: submitNew, F1: () => $('dlg-new').close() });
    $('use-seen').addEventListener('change', () => { $('seen-since').disabled = !$('use-seen').checked; });
    $('validity-submit').addEventListener('click', submitValidity);
    $('validity-cancel').addEventListener('click', () => $('dlg-validity').close());
    O.setDialogKeys($('dlg-validity'), { F12: submitValidity, F1: () => $('dlg-validity').close() });
    $('menu-refs').addEventListener('click', openRefs);
    $('refs-yes').addEventListener('click', submitRefs);
    $('refs-no').addEventListener('click', () => $('dlg-refs').close());
    $('dlg-refs').addEventListener('keydown', ev => {
      if (ev.key === 'y' || ev.key === 'Y') { ev.preventDefault(); submitRefs(); }
      if (ev.key === 'n' || ev.key === 'N') { ev.preventDefault(); $('dlg-refs').close(); }
    });
    $('menu-consent').addEventListener('click', () => { location.href = 'consent.html?hospnum=' + fac.hospnum; });
    $('menu-p031').addEventListener('click', () => { location.href = 'p031.html?hospnum=' + fac.hospnum; });
    $('menu-support').addEventListener('click', () => { location.href = 'support.html'; });
    $('menu-logout').addEventListener('click', async () => { try { await O.post('/api/logout', {}); } finally { location.href = 'login.html'; } });
    $('menu-about').addEventListener('click', () => O.showMessage('orca-onshi: オンライン資格確認の一括取得（日レセ P031 連携）'));
    await reload();
    const first = $('jobs-body').querySelector('tr[data-key]');
    if (first) nav.select(first);
    schedule();
  });
})();
