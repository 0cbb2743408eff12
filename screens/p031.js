// (Q04) The day's P031 list as ORCA shows it (the cells `orca-onshi p031` prints), 50 rows a page.
'use strict';
(() => {
  const O = Onshi, $ = id => document.getElementById(id);
  let fac = null, page = 1, pages = 1, all = false;
  const CENTER = new Set(['番号', '区分', '手術', '診療', '薬剤', '健診', '限度', '特疾', '性別', '本家', '状態']);

  function wareki(iso) {
    const s = O.fromIso(iso);
    if (!/^\d{8}$/.test(s)) return '';
    const y = Number(s.slice(0, 4)), v = Number(s);
    const [era, base] = v >= 20190501 ? ['令和', 2018] : v >= 19890108 ? ['平成', 1988] : ['昭和', 1925];
    return '（' + era + String(y - base).padStart(2, ' ') + '年' + Number(s.slice(4, 6)) + '月' + Number(s.slice(6)) + '日）';
  }

  async function load() {
    const date = O.fromIso($('date').value);
    $('wareki').textContent = wareki($('date').value);
    const r = await O.get('/api/p031?hospnum=' + fac.hospnum + '&date=' + date + '&view=' + $('view').value + '&page=' + page + (all ? '&all=1' : ''));
    page = r.page || 1; pages = r.pages || 1;
    $('p031-title').textContent = r.title || '';
    $('paging').textContent = page + ' / ' + pages + 'ページ　全' + (r.total || 0) + '件';
    const head = $('p031-head'), body = $('p031-body');
    head.textContent = ''; body.textContent = '';
    const cols = r.columns || [];
    cols.forEach(c => head.append(O.el('th', { class: CENTER.has(c) ? 'c' : '', scope: 'col', text: c })));
    const diff = cols.indexOf('相違');
    if (!(r.rows || []).length) body.append(O.el('tr', {}, O.el('td', { class: 'empty', colspan: String(cols.length || 1), text: '該当する行はありません' })));
    for (const row of r.rows || []) {
      const tr = O.el('tr', { class: diff >= 0 && row[diff] ? 'honke' : '' });
      row.forEach((cell, i) => tr.append(O.el('td', { class: (CENTER.has(cols[i]) ? 'c' : '') + (cols[i] === '区分' ? ' mark' : ''), text: cell })));
      body.append(tr);
    }
    O.refreshFkeys();
  }
  const go = p => { page = p; return load(); };

  O.start(async () => {
    fac = await O.facility();
    const q = new URLSearchParams(location.search);
    $('date').value = q.get('date') ? q.get('date').replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3') : O.isoDate(new Date());
    if (q.get('view')) $('view').value = q.get('view');
    O.setFkeys({
      F1: { label: '戻る', action: () => { location.href = 'index.html'; } },
      F2: { label: '全体', action: () => { $('view').value = 'all'; return go(1); } },
      F3: { label: '訪問診療同意', action: () => { $('view').value = 'homecare'; return go(1); } },
      F4: { label: 'オンライン同意', action: () => { $('view').value = 'online'; return go(1); } },
      F6: { label: '前頁', action: () => go(page - 1), enabled: () => page > 1 },
      F7: { label: '次頁', action: () => go(page + 1), enabled: () => page < pages },
      F9: { label: '全対象', action: () => { all = !all; document.getElementById('fkey-F9').classList.toggle('on', all); return go(1); } },
      F12: { label: '再表示', action: () => go(page) },
    });
    $('date').addEventListener('change', () => go(1).catch(O.showError));
    $('view').addEventListener('change', () => go(1).catch(O.showError));
    await load();
  });
})();
