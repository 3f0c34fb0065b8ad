// What the Chromium suite runs against: a real `relaydesk serve` (SQLite in a temp folder,
// no demo), seeded with `relaydesk admin`, customers and WhatsApp statuses arriving through the
// signed webhook route exactly as Meta sends them, and a fake Graph API on loopback that
// records every send and serves templates and files. Browsers are Debian's chromium driven by
// playwright-core. Each test saves a screenshot of its final state under ARTIFACTS.

import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const SECRET = 'web-suite-app-secret';
export const NUMBER_ID = '410593826617204';
export const WABA = '209876543210001';
export const PASSWORD = 'correct horse battery';
export const ARTIFACTS = process.env.RELAYDESK_WEB_ARTIFACTS || join(tmpdir(), 'relaydesk-web-artifacts');
const BIN = process.env.RELAYDESK_BIN;
const CHROMIUM = process.env.RELAYDESK_CHROMIUM || '/usr/bin/chromium';

/** A PNG of one pixel: the customer's photo. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Polls until `check` returns something truthy (no sleeps where a condition can be awaited). */
export async function until(what, check, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: did not happen within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The fake Graph API: sends are recorded and answered with a fresh wamid. */
async function fakeGraph() {
  const sent = [];
  const reads = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url, 'http://x');
    const json = (value) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)); };
    if (req.method === 'POST' && url.pathname.endsWith('/messages')) {
      const parsed = JSON.parse(body);
      if (parsed.status === 'read') { reads.push(parsed); return json({ success: true }); }
      const wamid = `wamid.WEB${randomUUID().replaceAll('-', '')}`;
      sent.push({ ...parsed, wamid });
      return json({ messaging_product: 'whatsapp', contacts: [{ input: parsed.to, wa_id: parsed.to }], messages: [{ id: wamid }] });
    }
    if (req.method === 'GET' && url.pathname.endsWith('/message_templates')) {
      return json({
        data: [
          { name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', id: 't1',
            components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' }] },
          { name: 'follow_up', language: 'en_US', status: 'APPROVED', category: 'UTILITY', id: 't2',
            components: [{ type: 'BODY', text: 'Hi {{1}}, we are following up on your request.' }] },
        ],
        paging: {},
      });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(PIXEL);
    }
    if (req.method === 'GET') {
      // A media id: where to download it.
      const id = url.pathname.split('/').pop();
      return json({ url: `http://127.0.0.1:${server.address().port}/files/${id}`, mime_type: id.startsWith('doc') ? 'application/pdf' : 'image/png', file_size: PIXEL.length, id });
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { sent, reads, url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Starts `relaydesk serve` on a free loopback port with `args`; answers the process and its address. */
export async function startServer(args) {
  if (!BIN) throw new Error('RELAYDESK_BIN must name the relaydesk binary (scripts/web-test sets it)');
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' } });
  const first = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`relaydesk exited with ${code}`)));
  });
  const match = /listening on (http:\/\/\S+)/.exec(first);
  if (!match) throw new Error(`unexpected first line from relaydesk: ${first}`);
  child.stdout.resume();
  return { child, base: match[1] };
}

/** Debian's chromium, headless, as the suite runs it. */
export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Stops a server started by `startServer`. */
export async function stopServer(child) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** A desk: server (with `serverArgs` added to `relaydesk serve`), fake Graph API, people, and
 * helpers to play the customer and WhatsApp. */
export async function openDesk({ serverArgs = [] } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'relaydesk-web-'));
  const graph = await fakeGraph();
  if (!BIN) throw new Error('RELAYDESK_BIN must name the relaydesk binary (scripts/web-test sets it)');
  const admin = (...args) => execFileSync(BIN, ['admin', '--data-dir', data, ...args], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  admin('create-team', '--name', 'Orders');
  admin('create-team', '--name', 'Billing');
  admin('add-inbox', '--name', 'Shop WhatsApp', '--phone-number-id', NUMBER_ID, '--display-phone-number', '15550001111', '--waba-id', WABA, '--team', 'Orders');
  const people = {
    ana: ['ana@web.test', 'Ana Lima', 'agent', 'Orders'],
    bruno: ['bruno@web.test', 'Bruno Costa', 'agent', 'Orders'],
    sara: ['sara@web.test', 'Sara Boss', 'supervisor', 'Orders'],
    bea: ['bea@web.test', 'Bea Billing', 'supervisor', 'Billing'],
  };
  for (const [email, name, role, team] of Object.values(people)) {
    admin('create-user', '--email', email, '--name', name, '--role', role, '--team', team, '--password', PASSWORD);
  }
  const { child, base } = await startServer(['--data-dir', data,
    '--whatsapp-app-secret', SECRET, '--whatsapp-access-token', 'web-suite-token', '--graph-api-base', graph.url,
    ...serverArgs]);
  const browser = await launchBrowser();

  async function webhook(value) {
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA, changes: [{ field: 'messages', value }] }] });
    const signature = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
    const answer = await fetch(`${base}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
    if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${await answer.text()}`);
  }
  const metadata = { display_phone_number: '15550001111', phone_number_id: NUMBER_ID };

  return {
    base,
    graph,
    people,
    /** A customer writes (`message` is the WhatsApp message body without from/id/timestamp). */
    async customer(phone, name, message, { hoursAgo = 0 } = {}) {
      const wamid = `wamid.IN${randomUUID().replaceAll('-', '')}`;
      await webhook({
        messaging_product: 'whatsapp', metadata,
        contacts: [{ profile: { name }, wa_id: phone }],
        messages: [{ from: phone, id: wamid, timestamp: String(Math.floor(Date.now() / 1000 - hoursAgo * 3600)), ...message }],
      });
      return wamid;
    },
    /** Several customers write, delivered by WhatsApp in one webhook POST (`[{ phone, name, text }]`). */
    async customersAtOnce(list) {
      const now = String(Math.floor(Date.now() / 1000));
      await webhook({
        messaging_product: 'whatsapp', metadata,
        contacts: list.map(({ phone, name }) => ({ profile: { name }, wa_id: phone })),
        messages: list.map(({ phone, text }) => ({ from: phone, id: `wamid.IN${randomUUID().replaceAll('-', '')}`, timestamp: now, type: 'text', text: { body: text } })),
      });
    },
    /** WhatsApp reports on one of our sends. */
    async status(wamid, status, recipient) {
      await webhook({ messaging_product: 'whatsapp', metadata, statuses: [{ id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: recipient }] });
    },
    /** Signs in over the REST API (as a phone or script would) and calls it. */
    async api(who, method, path, body) {
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: people[who][0], password: PASSWORD, device: 'web suite' }) });
      const { token, user } = await login.json();
      const answer = await fetch(`${base}${typeof path === 'function' ? path(user) : path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body && JSON.stringify(typeof body === 'function' ? body(user) : body) });
      if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
      return answer.status === 204 ? null : answer.json();
    },
    /** WhatsApp reports a status item as given (failures with their errors). */
    async statusWith(item) {
      await webhook({ messaging_product: 'whatsapp', metadata, statuses: [item] });
    },
    /** A signed-in browser of its own (its own cookies) for one person. */
    async signIn(who, { viewport = { width: 1280, height: 900 } } = {}) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.dialogs = [];
      page.errors = [];
      page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss(); });
      page.on('pageerror', (e) => page.errors.push(e.message));
      await page.goto(`${base}/login`);
      await page.fill('#email', people[who][0]);
      await page.fill('#password', PASSWORD);
      await page.click('form button[type=submit]');
      await page.waitForURL(`${base}/`);
      await until(`${who}'s page goes live`, () => page.evaluate(() => document.body.dataset.live === 'on'));
      return page;
    },
    browser,
    /** Runs `relaydesk admin …` on this desk's data (answers what it prints). */
    admin,
    async newContext(options) { return browser.newContext(options); },
    async shoot(page, name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      await stopServer(child);
      graph.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** The conversation id a queue row links to, for the customer named. */
export async function rowOf(page, customer) {
  const row = page.locator('[data-row]', { hasText: customer });
  await row.waitFor();
  return row;
}
