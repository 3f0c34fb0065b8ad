// The README's run command: `relaydesk serve --demo` shows a live queue and conversations in a
// browser, with the demo's own logins, its stand-in for WhatsApp and its "Out of hours" rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser, startServer, stopServer, until } from './desk.mjs';

let server;
let browser;
let data;
before(async () => {
  data = mkdtempSync(join(tmpdir(), 'relaydesk-demo-'));
  server = await startServer(['--demo', '--data-dir', data]);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  if (server) await stopServer(server.child);
  rmSync(data, { recursive: true, force: true });
});

test('the demo shows its live queue and what its rule did overnight; a reply to a simulated customer gets its ticks', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/`);
  await page.fill('#email', 'ana@demo.relaydesk');
  await page.fill('#password', 'demo-ana-123');
  await page.click('form button[type=submit]');
  await page.waitForURL(`${server.base}/`);
  // Simulated customers keep writing: the queue fills without a reload.
  const first = Number(await page.textContent('[data-count="all"]'));
  await until('a new simulated customer appears live', async () => Number(await page.textContent('[data-count="all"]')) > first, 60);
  assert.ok(await page.locator('[data-row]').count() > 0);
  await page.screenshot({ path: join(ARTIFACTS, 'demo-queue.png'), fullPage: true });

  // Overnight, the "Out of hours" rule answered a customer and left a note for the morning
  // shift: the page names the rule as the reply's and the note's author and says what it did.
  const night = page.locator('[data-row]', { hasText: 'Noor Haddad' });
  assert.equal(await night.locator('.owner.none').count(), 1, "the rule's reply claimed nothing");
  assert.match(await night.locator('.last').textContent(), /^rule 'Out of hours': /, 'the queue says who sent the last message: the rule, not "You"');
  await night.locator('a.open').click();
  await page.waitForSelector('#timeline');
  const rule = "rule 'Out of hours'";
  assert.equal((await page.textContent('.entry.agent .who bdi')).trim(), rule);
  assert.equal((await page.textContent('.entry.note .who bdi')).trim(), rule);
  assert.ok((await page.locator('.event-line').allTextContents()).some((l) => l.startsWith(`${rule} added label “after-hours”`)));
  await page.screenshot({ path: join(ARTIFACTS, 'demo-overnight.png'), fullPage: true });
  await page.goto(`${server.base}/`);

  await page.locator('[data-row]').filter({ hasNotText: 'Noor Haddad' }).locator('[data-claim]').first().click();
  await page.waitForSelector('#reply-text');
  await page.fill('#reply-text', 'Hi! Let me check that for you.');
  await page.click('#reply-form button[type=submit]');
  await until('the stand-in reports the reply read', async () => (await page.locator('.entry.agent .ticks').getAttribute('data-delivery')) === 'read', 30);
  await page.screenshot({ path: join(ARTIFACTS, 'demo-conversation.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
