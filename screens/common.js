// orca-onshi screens: what every screen shares (API calls with the CSRF token, the session, the
// F-key bar, Enter to the next field, dates). No build step, no external resources.
'use strict';

const Onshi = (() => {
  let session = null;
  let fkeyMap = {};         // 'F1' → {label, action, enabled()}
  const dialogKeys = new WeakMap();

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || ('HTTP ' + status));
      this.status = status; this.field = body && body.field; this.body = body;
    }
  }

  function loginRedirect() {
    const next = location.pathname.replace(/^\//, '') + location.search;
    location.href = 'login.html?next=' + encodeURIComponent(next);
  }

  // POST bodies: see screens/API.md (JSON unless it says form-encoded).
  const POST_ENCODING = 'form';
  function encodeBody(body) {
    if (POST_ENCODING === 'form') {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(body || {})) if (v !== undefined && v !== null) p.append(k, String(v));
      return { type: 'application/x-www-form-urlencoded;charset=UTF-8', data: p.toString() };
    }
    return { type: 'application/json;charset=UTF-8', data: JSON.stringify(body || {}) };
  }

  async function request(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    let data;
    if (method !== 'GET') {
      const enc = encodeBody(body);
      headers['Content-Type'] = enc.type;
      data = enc.data;
      if (session && session.csrf) headers['X-CSRF-Token'] = session.csrf;
    }
    const res = await fetch(path, { method, headers, body: data, credentials: 'same-origin', cache: 'no-store' });
    let json = null;
    const text = await res.text();
    if (text) { try { json = JSON.parse(text); } catch (e) { json = { error: text }; } }
    if (res.status === 401 && !opts.noRedirect && json && json.login_required) { loginRedirect(); throw new ApiError(401, json); }
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }
  const get = (path, opts) => request('GET', path, null, opts);
  const post = (path, body, opts) => request('POST', path, body, opts);

  async function loadSession() {
    session = await get('/api/session');
    const u = document.getElementById('user');
    if (u && session) u.textContent = (session.user || '') + (session.role === 'admin' ? '（管理者）' : '');
    document.querySelectorAll('[data-admin]').forEach(el => { el.hidden = !isAdmin(); });
    document.querySelectorAll('[data-login-mode]').forEach(el => { el.hidden = !(session && session.login_mode); });
    return session;
  }
  const isAdmin = () => !!session && session.role === 'admin';

  // The facility: ?hospnum=N, else the remembered one, else the first.
  let facilities = [];
  async function facility() {
    facilities = await get('/api/facilities');
    const want = Number(new URLSearchParams(location.search).get('hospnum') || localStorage.getItem('onshi.hospnum') || 0);
    const f = facilities.find(x => x.hospnum === want) || facilities[0];
    if (!f) throw new Error('医療機関が設定されていません');
    localStorage.setItem('onshi.hospnum', String(f.hospnum));
    return f;
  }

  // ---- the F-key bar --------------------------------------------------------------------------
  function setFkeys(map) {
    fkeyMap = map;
    const bar = document.getElementById('fkeys');
    if (!bar) return;
    bar.textContent = '';
    for (let i = 1; i <= 12; i++) {
      const k = 'F' + i, def = map[k];
      const b = document.createElement('button');
      b.type = 'button'; b.id = 'fkey-' + k; b.tabIndex = -1;
      const s = document.createElement('span'); s.className = 'k'; s.textContent = k;
      b.append(s, document.createTextNode(def ? def.label : ''));
      if (def) { b.addEventListener('click', () => runKey(k)); } else b.disabled = true;
      bar.append(b);
    }
    refreshFkeys();
  }
  function refreshFkeys() {
    for (const [k, def] of Object.entries(fkeyMap)) {
      const b = document.getElementById('fkey-' + k);
      if (!b) continue;
      const visible = def.visible ? def.visible() : true;   // a key the user may not use: a blank slot, as ORCA
      b.classList.toggle('blank', !visible);
      b.disabled = !visible || (def.enabled ? !def.enabled() : false);
    }
  }
  function runKey(k) {
    const def = fkeyMap[k];
    if (!def || (def.enabled && !def.enabled()) || (def.visible && !def.visible())) return false;
    Promise.resolve(def.action()).catch(showError);
    return true;
  }

  // Keys of an open dialog: {F12: fn, ...}
  function setDialogKeys(dialog, map) { dialogKeys.set(dialog, map); }

  function focusables(scope) {
    return [...scope.querySelectorAll('input, select, button, textarea, [tabindex]')]
      .filter(el => !el.disabled && el.tabIndex >= 0 && !el.closest('[hidden]') && el.offsetParent !== null);
  }
  // Enter moves to the next field (ORCA's way); on a button it presses it.
  function nextField(from) {
    const scope = from.closest('dialog[open]') || from.closest('form') || document.querySelector('main') || document.body;
    const list = focusables(scope);
    const i = list.indexOf(from);
    if (i >= 0 && i + 1 < list.length) list[i + 1].focus();
  }

  document.addEventListener('keydown', ev => {
    const m = /^F([1-9]|1[0-2])$/.exec(ev.key);
    const dlg = document.querySelector('dialog[open]');
    if (m) {
      ev.preventDefault();
      if (dlg) { const dk = dialogKeys.get(dlg); if (dk && dk[ev.key]) Promise.resolve(dk[ev.key]()).catch(showError); return; }
      runKey(ev.key);
      return;
    }
    if (ev.key === 'Enter' && !ev.isComposing && !ev.altKey && !ev.ctrlKey) {
      const t = ev.target;
      if (t instanceof HTMLInputElement && !['button', 'submit', 'checkbox', 'radio'].includes(t.type) ||
          t instanceof HTMLSelectElement) {
        ev.preventDefault(); nextField(t);
      } else if (t instanceof HTMLInputElement && t.type === 'checkbox') {
        ev.preventDefault(); nextField(t);
      }
    }
  });

  // ---- the menu bar (メニュー(M) ...) -----------------------------------------------------------
  function initMenus() {
    document.querySelectorAll('.menubar .menu').forEach(menu => {
      const top = menu.querySelector('.menutop');
      const close = () => menu.classList.remove('open');
      top.addEventListener('click', () => {
        const open = !menu.classList.contains('open');
        document.querySelectorAll('.menubar .menu.open').forEach(m => m.classList.remove('open'));
        if (open) { menu.classList.add('open'); const f = menu.querySelector('.items button:not([hidden])'); if (f) f.focus(); }
      });
      menu.addEventListener('keydown', ev => {
        const items = [...menu.querySelectorAll('.items button')].filter(b => !b.hidden);
        const i = items.indexOf(document.activeElement);
        if (ev.key === 'Escape') { close(); top.focus(); }
        else if (ev.key === 'ArrowDown' && i >= 0) { ev.preventDefault(); items[(i + 1) % items.length].focus(); }
        else if (ev.key === 'ArrowUp' && i >= 0) { ev.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
      });
      menu.querySelectorAll('.items button').forEach(b => b.addEventListener('click', close));
      const key = top.dataset.accesskey;
      if (key) document.addEventListener('keydown', ev => {
        if (ev.altKey && ev.key.toLowerCase() === key) { ev.preventDefault(); top.click(); }
      });
    });
    document.addEventListener('click', ev => {
      if (!ev.target.closest('.menubar')) document.querySelectorAll('.menubar .menu.open').forEach(m => m.classList.remove('open'));
    });
  }

  // ---- messages -----------------------------------------------------------------------------
  function showMessage(text, isError) {
    const m = document.getElementById('message');
    if (!m) { if (isError) alert(text); return; }
    m.textContent = text || '';
    m.classList.toggle('error', !!isError);
  }
  function showError(e) {
    if (e instanceof ApiError && e.status === 401) return;
    const text = e instanceof ApiError && e.status === 403 ? '権限がありません（' + e.message + '）' : (e && e.message) || String(e);
    showMessage(text, true);
    console.error(e);
  }

  // ---- dates --------------------------------------------------------------------------------
  const pad = n => String(n).padStart(2, '0');
  const ymd = d => '' + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate());
  const isoDate = d => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  const fromIso = s => (s || '').replace(/-/g, '');     // 2025-11-04 → 20251104, 2025-11 → 202511
  function addMonths(d, n) {
    const r = new Date(d.getFullYear(), d.getMonth() + n, 1);
    const last = new Date(r.getFullYear(), r.getMonth() + 1, 0).getDate();
    r.setDate(Math.min(d.getDate(), last));
    return r;
  }
  // YYYYMMDD → YYYY/MM/DD (anything else unchanged)
  function slash(s) {
    s = s == null ? '' : String(s);
    if (/^\d{8}(\d{4,6})?$/.test(s)) return s.slice(0, 4) + '/' + s.slice(4, 6) + '/' + s.slice(6, 8);
    if (/^\d{6}$/.test(s)) return s.slice(0, 4) + '/' + s.slice(4, 6);
    return s;
  }
  // YYYYMMDD → 和暦 as ORCA shows a birth date: S35. 6. 2
  function wareki(s) {
    s = s == null ? '' : String(s);
    if (!/^\d{8}$/.test(s)) return s;
    const v = Number(s);
    const eras = [[20190501, 'R', 2018], [19890108, 'H', 1988], [19261225, 'S', 1925], [19120730, 'T', 1911], [18680101, 'M', 1867]];
    for (const [start, e, base] of eras) {
      if (v >= start) {
        const y = Number(s.slice(0, 4)) - base, m = Number(s.slice(4, 6)), d = Number(s.slice(6));
        return e + String(y).padStart(2, ' ') + '.' + String(m).padStart(2, ' ') + '.' + String(d).padStart(2, ' ');
      }
    }
    return slash(s);
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  // A flag as the bulk tool shows it: consent "1" → ●
  // 同意 20261021-20261121 → 同意 2026/10/21～2026/11/21; 診療年月 202611 → 診療年月 2026/11
  const rangeText = s => String(s || '').replace(/\b(\d{4})(\d{2})(\d{2})\b/g, '$1/$2/$3').replace(/\b(\d{4})(\d{2})\b/g, '$1/$2')
    .replace(/(\d{4}\/\d{2}\/\d{2})-(\d{4}\/\d{2}\/\d{2})/, '$1～$2');
  const sexLabel = v => ({ '1': '男', '2': '女', '3': '未設定' })[String(v)] || (v == null ? '' : String(v));
  const dot = v => (v === '1' || v === 1 || v === true) ? '●' : '';

  // Row selection in a list table with the arrow keys; Enter/double-click opens.
  function listNav(tbody, onOpen, onSelect) {
    tbody.addEventListener('click', ev => {
      const tr = ev.target.closest('tr[data-key]');
      if (tr && !ev.target.closest('button, input')) select(tr);
    });
    tbody.addEventListener('dblclick', ev => {
      const tr = ev.target.closest('tr[data-key]');
      if (tr && !ev.target.closest('button, input')) { select(tr); onOpen(tr.dataset.key); }
    });
    tbody.addEventListener('keydown', ev => {
      const tr = ev.target.closest('tr[data-key]');
      if (!tr || ev.target !== tr) return;
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const sib = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
        if (sib && sib.dataset.key) select(sib);
      } else if (ev.key === 'Enter') { ev.preventDefault(); onOpen(tr.dataset.key); }
    });
    function select(tr) {
      tbody.querySelectorAll('tr.selected').forEach(r => { r.classList.remove('selected'); r.setAttribute('aria-selected', 'false'); });
      tr.classList.add('selected'); tr.setAttribute('aria-selected', 'true');
      tr.focus();
      if (onSelect) onSelect(tr.dataset.key);
      refreshFkeys();
    }
    return { select, selected: () => { const s = tbody.querySelector('tr.selected'); return s ? s.dataset.key : null; } };
  }

  async function start(init) {
    initMenus();
    try { await loadSession(); await init(); } catch (e) { showError(e); }
  }

  return { get, post, ApiError, loadSession, isAdmin, facility, setFkeys, refreshFkeys, setDialogKeys,
           showMessage, showError, ymd, isoDate, fromIso, addMonths, slash, wareki, el, dot, listNav,
           start, nextField, sexLabel, rangeText, session: () => session };
})();
