// The README's run command: `relaydesk serve --demo` shows a live queue and conversations in a
// browser, with the demo's own logins and its stand-in for WhatsApp.
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

test('the demo shows its live queue; a reply to a simulated customer gets its ticks', async () => {
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

  await page.locator('[data-row] [data-claim]').first().click();
  await page.waitForSelector('#reply-text');
  await page.fill('#reply-text', 'Hi! Let me check that for you.');
  await page.click('#reply-form button[type=submit]');
  await until('the stand-in reports the reply read', async () => (await page.locator('.entry.agent .ticks').getAttribute('data-delivery')) === 'read', 30);
  await page.screenshot({ path: join(ARTIFACTS, 'demo-conversation.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
