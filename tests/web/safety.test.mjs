// What customers send is shown as text, never run: names, messages, file names, links.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

const SCRIPT_NAME = '<script>alert("name")</script>';
const IMG = '<img src=x onerror=alert("text")>';
const LINK = 'javascript:alert("link")';
const RLO_FILE = 'invoice\u202Efdp.exe';

test('script tags, onerror images, javascript: links and right-to-left overrides from the webhook render as inert text', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215544440001', SCRIPT_NAME, { type: 'text', text: { body: IMG } });
  await desk.customer('5215544440001', SCRIPT_NAME, { type: 'text', text: { body: LINK } });
  await desk.customer('5215544440001', SCRIPT_NAME, { type: 'document', document: { id: 'doc-1', mime_type: 'application/pdf', filename: RLO_FILE, caption: '<b>bold?</b>' } });
  await desk.customer('5215544440001', SCRIPT_NAME, { type: 'location', location: { latitude: 19.4326, longitude: -99.1332, name: '<svg onload=alert(1)>', url: 'javascript:alert("map")' } });
  await desk.customer('5215544440001', SCRIPT_NAME, { type: 'image', image: { id: 'img-1', mime_type: 'image/png', caption: 'my parcel' } });

  const row = await rowOf(ana, SCRIPT_NAME);
  assert.equal(await row.locator('.customer').textContent(), SCRIPT_NAME, 'the name is shown as typed');
  await row.locator('a.open').click();
  await ana.waitForSelector('.entry.customer');
  await until('the photo is fetched and shown', async () => {
    await ana.reload();
    return ana.locator('.entry.customer img').evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false);
  });

  const timeline = await ana.textContent('#timeline');
  assert.ok(timeline.includes(IMG), 'the <img> payload is visible text');
  assert.ok(timeline.includes(LINK), 'the javascript: text is visible text');
  assert.ok(timeline.includes('<b>bold?</b>'), 'markup in a caption is visible text');
  assert.ok(timeline.includes('<svg onload=alert(1)>'), 'markup in a place name is visible text');
  assert.equal(await ana.textContent('h1'), SCRIPT_NAME);

  // Nothing ran and nothing was built from it.
  assert.deepEqual(ana.dialogs, []);
  assert.deepEqual(ana.errors, []);
  assert.equal(await ana.locator('#main img[src="x"]').count(), 0);
  assert.equal(await ana.locator('#main script').count(), 0);
  assert.equal(await ana.locator('#main svg').count(), 0);
  assert.equal(await ana.locator('#main b').count(), 0);
  const hrefs = await ana.$$eval('a[href]', (links) => links.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.every((h) => !/^\s*javascript:/i.test(h)), `no javascript: link among ${hrefs.join(' ')}`);
  assert.equal(await ana.evaluate(() => window.__pwned ?? null), null);

  // The file name cannot pretend to be a PDF: the override is shown as a mark.
  const file = await ana.textContent('.entry.customer .file');
  assert.ok(!file.includes('\u202E'), 'no override character reaches the page');
  assert.ok(file.includes('invoice\uFFFDfdp.exe'));
  // The customer's own map link is not used; ours is built from the coordinates.
  assert.equal(await ana.getAttribute('a.map', 'href'), 'https://www.openstreetmap.org/?mlat=19.4326&mlon=-99.1332#map=16/19.4326/-99.1332');

  // Notes and replies with markup are text too.
  await ana.click('#claim');
  await ana.fill('#note-text', '<script>alert("note")</script>');
  await ana.click('#note-form button[type=submit]');
  await ana.waitForSelector('.entry.note');
  assert.match(await ana.textContent('.entry.note .text'), /<script>alert\("note"\)<\/script>/);
  assert.deepEqual(ana.dialogs, []);
  await desk.shoot(ana, 'safety-injection');
});

test('files and pages are only for people who may see them', async () => {
  const ana = await desk.signIn('ana');
  const bea = await desk.signIn('bea'); // Billing: not a team of this number
  await ana.goto(`${desk.base}/?view=mine`);
  const row = await rowOf(ana, SCRIPT_NAME);
  const href = await row.locator('a.open').getAttribute('href');
  await ana.goto(`${desk.base}${href}`);
  const src = await ana.locator('.entry.customer img').first().getAttribute('src');
  assert.match(src, /^\/media\//);

  const page = await bea.goto(`${desk.base}${href}`);
  assert.equal(page.status(), 404);
  const file = await bea.request.get(`${desk.base}${src}`);
  assert.equal(file.status(), 404);

  // Signed out: sent to sign in, never shown.
  const stranger = await desk.newContext();
  const answer = await stranger.request.get(`${desk.base}${src}`, { maxRedirects: 0 });
  assert.equal(answer.status(), 303);
  assert.match(answer.headers().location, /^\/login\?next=/);
  await stranger.close();
  await desk.shoot(bea, 'safety-not-found');
});

test('a form without its token, or from another site, is refused and changes nothing', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215544440002', 'Mallory Target', { type: 'text', text: { body: 'hi' } });
  const row = await rowOf(ana, 'Mallory Target');
  const href = await row.locator('a.open').getAttribute('href');
  const statuses = await ana.evaluate(async (href) => {
    const post = (body, headers = {}) => fetch(href, { method: 'POST', body: new URLSearchParams(body), headers, redirect: 'manual' }).then((r) => r.status);
    return [
      await post({ action: 'claim' }),
      await post({ action: 'claim', _csrf: 'forged' }),
    ];
  }, href);
  assert.deepEqual(statuses, [403, 403]);
  // A page on another origin posting with the session cookie is refused by the browser's own marks.
  const evil = await ana.context().request.post(`${desk.base}${href}`, {
    form: { action: 'claim', _csrf: 'whatever' },
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    maxRedirects: 0,
  });
  assert.equal(evil.status(), 403);
  await ana.reload();
  assert.match(await ana.textContent('[data-row]:has-text("Mallory Target") .owner'), /Unassigned/);
  await desk.shoot(ana, 'safety-csrf');
});
