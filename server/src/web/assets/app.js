// Relaydesk web view: live updates from the server's event stream, keyboard shortcuts,
// canned replies, @mention suggestions, the window countdown and local times.
// Every page works without this script; it only saves reloads and keystrokes.
// Pages are re-fetched whole and their live regions ([data-live][id]) swapped in place, so
// the server's templates stay the only place a page is drawn.

const page = document.body.dataset.page;
const conversationId = document.querySelector('[data-conversation]')?.dataset.conversation;

// ---- times -----------------------------------------------------------------------------
function localTimes(root) {
  for (const t of root.querySelectorAll('time[datetime]')) {
    const when = new Date(t.getAttribute('datetime'));
    if (Number.isNaN(when.getTime())) continue;
    t.textContent = when.toLocaleString([], { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
    t.title = when.toString();
  }
  for (const input of root.querySelectorAll('[data-tz-offset]')) {
    input.value = String(new Date().getTimezoneOffset());
  }
}

function spell(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60), m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

function countdown() {
  const el = document.getElementById('window');
  const at = el?.dataset.closesAt;
  if (!at) return;
  const left = new Date(at).getTime() - Date.now();
  if (left <= 0) { refresh(); return; }
  el.textContent = `Window open: closes in ${spell(left)}`;
  el.classList.toggle('closing', left < 3600000);
}

// ---- live ------------------------------------------------------------------------------
let running = null;
let again = false;
let pendingSwap = null;

async function refresh() {
  if (running) { again = true; return; }
  running = (async () => {
    const answer = await fetch(location.href, { credentials: 'same-origin' });
    if (answer.redirected && new URL(answer.url).pathname === '/login') { location.reload(); return; }
    if (answer.status === 404 && page === 'conversation') {
      notice('This conversation is no longer yours to see (it moved to another team or person).');
      return;
    }
    if (!answer.ok) return;
    const fresh = new DOMParser().parseFromString(await answer.text(), 'text/html');
    swap(fresh);
  })();
  try { await running; } catch (_) { /* the next change tries again */ }
  finally {
    running = null;
    if (again) { again = false; refresh(); }
  }
}

function editing(el) {
  const active = document.activeElement;
  return active && el.contains(active) && active.matches('input, textarea, select');
}

function swap(fresh) {
  const timeline = document.getElementById('timeline');
  const atBottom = timeline && timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 80;
  const selected = document.querySelector('[data-row].selected')?.dataset.id;
  for (const el of document.querySelectorAll('[data-live][id]')) {
    const next = fresh.getElementById(el.id);
    if (!next) continue;
    if (el.id === 'composer') {
      if (next.dataset.key === el.dataset.key) continue;
      for (const field of el.querySelectorAll('textarea[name]')) {
        const twin = next.querySelector(`textarea[name="${field.name}"]`);
        if (twin && field.value) twin.value = field.value;
      }
    } else if (editing(el)) {
      pendingSwap = fresh; // swapped once the person leaves the field
      continue;
    }
    localTimes(next);
    el.replaceWith(next);
  }
  const newTimeline = document.getElementById('timeline');
  if (newTimeline && atBottom) newTimeline.scrollTop = newTimeline.scrollHeight;
  if (selected) select(document.querySelector(`[data-row][data-id="${CSS.escape(selected)}"]`), false);
  wire(document);
  countdown();
}

document.addEventListener('focusout', () => {
  if (!pendingSwap) return;
  setTimeout(() => {
    if (!pendingSwap) return;
    const fresh = pendingSwap;
    pendingSwap = null;
    swap(fresh);
  }, 50);
});

function notice(text) {
  let el = document.getElementById('live-notice');
  if (!el) {
    el = document.createElement('p');
    el.id = 'live-notice';
    el.className = 'error';
    el.setAttribute('role', 'alert');
    document.getElementById('main')?.prepend(el);
  }
  el.textContent = text;
}

let soon = null;
function schedule() {
  clearTimeout(soon);
  soon = setTimeout(refresh, 120);
}

function concerns(change) {
  if (page !== 'conversation') return true;
  return change.events.some((e) => !e.conversation || e.conversation === conversationId);
}

function goLive() {
  const top = document.querySelector('.top');
  if (!top) return; // signed out
  const state = document.getElementById('live-state');
  // From the version this page was drawn at: nothing committed meanwhile is missed.
  const stream = new EventSource(`/live?since=${encodeURIComponent(top.dataset.since || '')}`);
  stream.addEventListener('open', () => { if (state) state.textContent = 'live'; document.body.dataset.live = 'on'; });
  stream.addEventListener('error', () => {
    if (state) state.textContent = 'reconnecting…';
    document.body.dataset.live = 'off';
    // Refused for good (too many open tabs: 429, or signed out): the browser will not retry
    // by itself, so try again a little later, refreshing what this page shows meanwhile.
    if (stream.readyState === EventSource.CLOSED) setTimeout(() => { refresh(); goLive(); }, 30000);
  });
  stream.addEventListener('change', (message) => {
    try {
      if (concerns(JSON.parse(message.data))) schedule();
    } catch (_) { schedule(); }
  });
  // The server would not replay all that was missed (this page was away too long): whatever
  // it shows may be out of date, so its live regions are drawn afresh; changes follow live.
  stream.addEventListener('reset', schedule);
}

// ---- queue selection and keys --------------------------------------------------------
function rows() { return [...document.querySelectorAll('[data-row]')]; }

function select(row, focus = true) {
  if (!row) return;
  for (const r of rows()) r.classList.toggle('selected', r === row);
  if (focus) row.querySelector('a.open')?.focus();
}

function move(step) {
  const all = rows();
  if (!all.length) return;
  const at = all.findIndex((r) => r.classList.contains('selected'));
  const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
  select(all[next]);
}

function claim() {
  if (page === 'queue') {
    const row = document.querySelector('[data-row].selected') || rows()[0];
    row?.querySelector('[data-claim]')?.click();
  } else {
    document.querySelector('#claim')?.click();
  }
}

function focusOn(selector) {
  const el = document.querySelector(selector);
  if (!el) return false;
  el.focus();
  el.scrollIntoView({ block: 'nearest' });
  return true;
}

function help() {
  const dialog = document.getElementById('help');
  if (dialog && !dialog.open) dialog.showModal();
}

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest?.('input, textarea, select, [contenteditable]')) {
    if (event.key === 'Escape') target.blur();
    return;
  }
  if (document.getElementById('help')?.open) return;
  switch (event.key) {
    case 'j': move(1); break;
    case 'k': move(-1); break;
    case 'c': claim(); break;
    case 'r':
      focusOn('#reply-text') || focusOn('#template-picker summary') || focusOn('#blocked');
      break;
    case 'n': focusOn('#note-text'); break;
    case 'e': {
      const details = document.getElementById('escalate');
      if (details) { details.open = true; focusOn('#escalate-reason'); }
      break;
    }
    case '?': help(); break;
    default: return;
  }
  event.preventDefault();
});

// ---- composer helpers ------------------------------------------------------------------
function insertCanned(button) {
  const box = document.getElementById('reply-text');
  if (!box) return;
  const text = button.dataset.canned || '';
  box.value = box.value.trim() ? `${box.value.trimEnd()}\n${text}` : text;
  box.focus();
}

function filterCanned(input) {
  const q = input.value.trim().toLowerCase().replace(/^\//, '');
  for (const li of document.querySelectorAll('#canned-list li')) {
    li.hidden = q !== '' && !li.textContent.toLowerCase().includes(q);
  }
}

function people() {
  return [...document.querySelectorAll('#people li')].map((li) => ({ handle: li.dataset.handle, name: li.dataset.name }));
}

function mentionQuery(box) {
  const before = box.value.slice(0, box.selectionStart);
  const match = /(^|\s)@([\p{L}\p{N}._-]*)$/u.exec(before);
  return match ? match[2].toLowerCase() : null;
}

function suggest(box) {
  const list = document.getElementById('mention-list');
  if (!list) return;
  const q = mentionQuery(box);
  list.replaceChildren();
  if (q === null) { list.hidden = true; return; }
  const found = people().filter((p) => p.handle.toLowerCase().startsWith(q) || p.name.toLowerCase().includes(q)).slice(0, 6);
  for (const [i, p] of found.entries()) {
    const li = document.createElement('li');
    li.setAttribute('role', 'option');
    li.dataset.handle = p.handle;
    li.textContent = `@${p.handle} — ${p.name}`;
    if (i === 0) li.setAttribute('aria-selected', 'true');
    li.addEventListener('mousedown', (e) => { e.preventDefault(); complete(box, p.handle); });
    list.append(li);
  }
  list.hidden = found.length === 0;
}

function complete(box, handle) {
  const at = box.selectionStart;
  const before = box.value.slice(0, at).replace(/@[\p{L}\p{N}._-]*$/u, `@${handle} `);
  box.value = before + box.value.slice(at);
  box.selectionStart = box.selectionEnd = before.length;
  document.getElementById('mention-list').hidden = true;
  box.focus();
}

function mentionKeys(event) {
  const list = document.getElementById('mention-list');
  if (!list || list.hidden) return;
  const options = [...list.children];
  const at = options.findIndex((o) => o.getAttribute('aria-selected') === 'true');
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    const next = (at + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length;
    options.forEach((o, i) => o.setAttribute('aria-selected', String(i === next)));
    event.preventDefault();
  } else if (event.key === 'Enter' || event.key === 'Tab') {
    if (at >= 0) { complete(event.target, options[at].dataset.handle); event.preventDefault(); }
  } else if (event.key === 'Escape') {
    list.hidden = true;
    event.stopPropagation();
  }
}

// Handlers are attached to each (re)drawn element once.
function wire(root) {
  for (const button of root.querySelectorAll('[data-canned]:not([data-wired])')) {
    button.dataset.wired = '1';
    button.addEventListener('click', () => insertCanned(button));
  }
  const search = root.querySelector('#canned-search:not([data-wired])');
  if (search) {
    search.dataset.wired = '1';
    search.addEventListener('input', () => filterCanned(search));
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        const first = [...document.querySelectorAll('#canned-list li')].find((li) => !li.hidden);
        first?.querySelector('[data-canned]')?.click();
      }
    });
  }
  for (const box of root.querySelectorAll('textarea[data-mentions]:not([data-wired])')) {
    box.dataset.wired = '1';
    box.addEventListener('input', () => suggest(box));
    box.addEventListener('keydown', mentionKeys);
    box.addEventListener('blur', () => setTimeout(() => { const l = document.getElementById('mention-list'); if (l) l.hidden = true; }, 150));
  }
  for (const button of root.querySelectorAll('[data-help]:not([data-wired])')) {
    button.dataset.wired = '1';
    button.addEventListener('click', help);
  }
  localTimes(root);
}

wire(document);
countdown();
setInterval(countdown, 30000);
const timeline = document.getElementById('timeline');
if (timeline) timeline.scrollTop = timeline.scrollHeight;
goLive();
