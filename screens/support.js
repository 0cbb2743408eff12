// (Q05) サポート (admin): the effective configuration, doctor's findings, the last errors.
'use strict';
(() => {
  const O = Onshi, $ = id => document.getElementById(id), el = O.el;

  function kvTable(obj) {
    const t = el('table', { class: 'list kv' });
    const body = el('tbody');
    for (const [k, v] of Object.entries(obj || {})) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        body.append(el('tr', {}, el('th', { text: k }), el('td', { class: 'wrap' }, kvTable(v))));
      } else if (Array.isArray(v)) {
        const td = el('td', { class: 'wrap' });
        v.forEach(x => td.append(typeof x === 'object' && x !== null ? kvTable(x) : el('div', { text: String(x) })));
        body.append(el('tr', {}, el('th', { text: k }), td));
      } else body.append(el('tr', {}, el('th', { text: k }), el('td', { class: 'wrap', text: v == null ? '' : String(v) })));
    }
    t.append(body);
    return t;
  }

  async function load() {
    const [config, doctor, errors] = await Promise.all([
      O.get('/api/admin/config'), O.get('/api/admin/doctor'), O.get('/api/admin/errors')]);
    $('config').textContent = '';
    $('config').append(kvTable(config));
    $('doctor').textContent = (doctor.lines || []).join('\n');
    $('doctor-summary').textContent = (doctor.summary ? doctor.summary + '　' : '') + 'エラー ' + (doctor.errors || 0) + '件';
    $('doctor-summary').className = doctor.errors ? 'error-text' : 'state-done';
    const body = $('errors-body');
    body.textContent = '';
    if (!errors.length) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '8', text: 'エラーはありません' })));
    for (const j of errors) {
      body.append(el('tr', {},
        el('td', { class: 'n', text: String(j.id) }), el('td', { text: (j.created_at || '').slice(0, 19) }),
        el('td', { text: j.kind_label || j.kind }), el('td', { text: O.rangeText(j.range_label) }),
        el('td', { class: 'state-error', text: j.state_label || j.state }), el('td', { text: j.reception_number || '' }),
        el('td', { class: 'n', text: String(j.poll_count || 0) }), el('td', { class: 'wrap error-text', text: j.error || '' })));
    }
  }

  O.start(async () => {
    O.setFkeys({
      F1: { label: '戻る', action: () => { location.href = 'index.html'; } },
      F12: { label: '再表示', action: load },
    });
    if (!O.isAdmin()) { O.showMessage('サポート画面は管理者だけが使えます', true); return; }
    await load();
  });
})();
