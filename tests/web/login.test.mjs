// Signing in and out, in a browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, PASSWORD } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

test('a wrong password says so; repeated failures are slowed down with a clear message; the right one signs in', async () => {
  const context = await desk.newContext();
  const page = await context.newPage();
  await page.goto(`${desk.base}/`);
  await page.waitForURL(/\/login\?next=/);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    await page.fill('#email', 'bruno@web.test');
    await page.fill('#password', `wrong ${attempt}`);
    await page.click('form button[type=submit]');
    await page.waitForSelector('#login-error');
    assert.equal(await page.textContent('#login-error'), 'Wrong email or password.');
    assert.equal(await page.inputValue('#email'), 'bruno@web.test', 'the email is kept');
  }
  await page.fill('#password', PASSWORD);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#login-error');
  assert.match(await page.textContent('#login-error'), /Too many failed sign-ins\. Try again in \d+ minute/);
  await desk.shoot(page, 'login-rate-limited');
  await context.close();

  const ana = await desk.signIn('ana');
  const cookies = await ana.context().cookies();
  const session = cookies.find((c) => c.name === 'relaydesk_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(await ana.evaluate(() => document.cookie.includes('relaydesk_session')), false, 'scripts cannot read it');
  await ana.click('text=Sign out');
  await ana.waitForURL(/\/login/);
  await ana.goto(`${desk.base}/`);
  await ana.waitForURL(/\/login\?next=/);
  await desk.shoot(ana, 'login-signed-out');
});

test('a sign-in link crafted to lead elsewhere lands on the desk, and sign-out works before the new password is chosen', async () => {
  // A phisher's link: Chromium drops the tab in `/%09/evil.example`, which would make it
  // `//evil.example` — another site.
  for (const next of ['/%09/evil.example', '//evil.example', '/%5Cevil.example', 'https://evil.example/']) {
    const context = await desk.newContext();
    const page = await context.newPage();
    await page.goto(`${desk.base}/login?next=${next}`);
    await page.fill('#email', 'bea@web.test');
    await page.fill('#password', PASSWORD);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${desk.base}/`);
    assert.equal(new URL(page.url()).origin, desk.base, `next=${next} stays on the desk`);
    await context.close();
  }

  // Sara's password is reset: she signs in with the one-time password on a shared computer,
  // does not choose a new one yet, and signs out.
  const oneTime = /one-time password: (\S+)/i.exec(desk.admin('reset-password', '--email', 'sara@web.test'))?.[1];
  assert.ok(oneTime, 'the CLI prints a one-time password');
  const context = await desk.newContext();
  const page = await context.newPage();
  await page.goto(`${desk.base}/login`);
  await page.fill('#email', 'sara@web.test');
  await page.fill('#password', oneTime);
  await page.click('form button[type=submit]');
  await page.waitForURL(`${desk.base}/password`);
  const cookie = (await context.cookies()).find((c) => c.name === 'relaydesk_session').value;
  await page.click('text=Sign out');
  await page.waitForURL(/\/login/);
  const replay = await fetch(`${desk.base}/password`, { headers: { cookie: `relaydesk_session=${cookie}` }, redirect: 'manual' });
  assert.equal(replay.status, 303, 'the server ended the session: its cookie opens nothing');
  await desk.shoot(page, 'login-signed-out-before-new-password');
  await context.close();
});

test('on a narrow screen the queue and a conversation stack into one column, with labelled controls and visible focus', async () => {
  const ana = await desk.signIn('ana', { viewport: { width: 390, height: 844 } });
  await desk.customer('5215555550001', 'Narrow Screen', { type: 'text', text: { body: 'Hello from a phone-sized window' } });
  const row = ana.locator('[data-row]', { hasText: 'Narrow Screen' });
  await row.waitFor();
  const width = await ana.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling (page is ${width}px wide)`);
  await desk.shoot(ana, 'narrow-queue');
  await row.locator('a.open').click();
  await ana.waitForSelector('#timeline');
  const layout = await ana.evaluate(() => {
    const thread = document.querySelector('.thread').getBoundingClientRect();
    const side = document.querySelector('.side').getBoundingClientRect();
    return { stacked: side.top >= thread.bottom - 1, width: document.documentElement.scrollWidth };
  });
  assert.ok(layout.stacked, 'the side panel comes below the thread');
  assert.ok(layout.width <= 390, `no sideways scrolling (page is ${layout.width}px wide)`);
  // Every form control has a name a screen reader can read.
  const unlabelled = await ana.$$eval('input:not([type=hidden]), select, textarea', (fields) => fields
    .filter((f) => !(f.labels?.length || f.getAttribute('aria-label') || f.closest('label')))
    .map((f) => f.name || f.id));
  assert.deepEqual(unlabelled, []);
  // Focus is visible.
  await ana.focus('#reply-text');
  const outline = await ana.$eval('#reply-text', (el) => getComputedStyle(el).outlineStyle);
  assert.notEqual(outline, 'none');
  await desk.shoot(ana, 'narrow-conversation');
});

test('notes suggest colleagues after @, canned replies fill the reply box, and a mention reaches the timeline', async () => {
  await desk.api('ana', 'POST', '/api/v1/canned-replies', (me) => ({
    shortcut: 'thanks', title: 'Thank you', body: 'Thanks {{contact.name}}, {{agent.first_name}} here: I am on it.', scope: { kind: 'personal', id: me.id },
  }));
  await desk.api('ana', 'POST', '/api/v1/canned-replies', (me) => ({
    shortcut: 'bye', title: 'Goodbye', body: 'Have a good day!', scope: { kind: 'personal', id: me.id },
  }));
  const ana = await desk.signIn('ana');
  await desk.customer('5215555550002', 'Mention Story', { type: 'text', text: { body: 'I need help' } });
  const row = ana.locator('[data-row]', { hasText: 'Mention Story' });
  await row.waitFor();
  await row.locator('[data-claim]').click();
  await ana.waitForSelector('#note-text');
  // Canned replies: searched by shortcut, filled for this customer and agent.
  await ana.fill('#canned-search', '/than');
  assert.equal(await ana.locator('#canned-list li:not([hidden])').count(), 1);
  await ana.press('#canned-search', 'Enter');
  assert.equal(await ana.inputValue('#reply-text'), 'Thanks Mention Story, Ana here: I am on it.');
  await ana.click('#note-text');
  await ana.keyboard.type('Could @sar');
  await ana.waitForSelector('#mention-list:not([hidden]) li');
  assert.match(await ana.textContent('#mention-list'), /@sara_boss|@sara/i);
  await ana.keyboard.press('Enter');
  assert.match(await ana.inputValue('#note-text'), /^Could @\S+ $/);
  await ana.keyboard.type('take a look?');
  await desk.shoot(ana, 'mention-suggested');
  await ana.click('#note-form button[type=submit]');
  await ana.waitForSelector('.entry.note');
  assert.match(await ana.textContent('.entry.note .text'), /Could @\S+ take a look\?/);
  await desk.shoot(ana, 'mention-noted');
});
