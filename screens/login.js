// (Q00) ログイン. Stands alone: before login only login.html, login.js and style.css are served.
'use strict';
(() => {
  const $ = id => document.getElementById(id);
  const next = () => {
    const n = new URLSearchParams(location.search).get('next') || 'index.html';
    return /^[A-Za-z0-9_.-]+\.html(\?[^#]*)?$/.test(n) ? n : 'index.html';   // only our own screens
  };
  async function submit(ev) {
    if (ev) ev.preventDefault();
    const err = $('login-error');
    err.textContent = '';
    const user = $('login-user').value.trim(), password = $('login-password').value;
    if (!user) { err.textContent = 'ユーザー名を入力してください'; $('login-user').focus(); return; }
    if (!password) { err.textContent = 'パスワードを入力してください'; $('login-password').focus(); return; }
    try {
      const res = await fetch('/api/login', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8', Accept: 'application/json' },
        body: new URLSearchParams({ user, password }).toString(),
      });
      if (res.ok) { location.href = next(); return; }
      const body = await res.json().catch(() => ({}));
      err.textContent = res.status === 401 ? 'ユーザー名またはパスワードが違います' : (body.error || 'ログインできません（' + res.status + '）');
    } catch (e) {
      err.textContent = 'サーバーに接続できません';
    }
    $('login-password').value = '';
    $('login-password').focus();
  }
  // The F-key bar: F12 ログイン, as ORCA's 確定.
  const bar = $('fkeys');
  for (let i = 1; i <= 12; i++) {
    const b = document.createElement('button');
    b.type = 'button'; b.tabIndex = -1; b.id = 'fkey-F' + i;
    const k = document.createElement('span'); k.className = 'k'; k.textContent = 'F' + i;
    b.append(k, document.createTextNode(i === 12 ? 'ログイン' : ''));
    if (i === 12) b.addEventListener('click', submit); else b.disabled = true;
    bar.append(b);
  }
  document.addEventListener('keydown', ev => {
    if (/^F([1-9]|1[0-2])$/.test(ev.key)) { ev.preventDefault(); if (ev.key === 'F12') submit(); return; }
    if (ev.key === 'Enter' && !ev.isComposing) {
      ev.preventDefault();
      if (ev.target.id === 'login-user') $('login-password').focus();
      else submit();
    }
  });
  $('form-login').addEventListener('submit', submit);
  $('login-user').focus();
})();
