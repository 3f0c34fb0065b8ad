// The commands every door has (issue 14's parity): from the web view, an agent tells the
// customer their messages were read and sets their own availability from the top bar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

test('an agent marks the customer\'s messages read: WhatsApp is told, up to the latest one', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215533339001', 'Lena Read', { type: 'text', text: { body: 'Is my parcel lost?' } });
  const latest = await desk.customer('5215533339001', 'Lena Read', { type: 'text', text: { body: 'Hello?' } });
  await (await rowOf(ana, 'Lena Read')).locator('[data-claim]').click();
  await ana.waitForSelector('#mark-read');
  await ana.click('#mark-read button[type=submit]');
  const read = await until('the read receipt reaches WhatsApp', () => desk.graph.reads.find((r) => r.message_id === latest));
  assert.equal(read.status, 'read');
  assert.equal(desk.graph.reads.length, 1, 'one receipt: it covers the earlier message too');
  assert.deepEqual(ana.errors, []);
});

test('an agent steps away from the top bar and stays on the page they were on', async () => {
  const bruno = await desk.signIn('bruno');
  await desk.customer('5215533339002', 'Omar Away', { type: 'text', text: { body: 'Any news?' } });
  await (await rowOf(bruno, 'Omar Away')).locator('a.open').click();
  await bruno.waitForSelector('#timeline');
  const here = bruno.url();
  await bruno.selectOption('#availability', 'away');
  await bruno.click('form.availability button[type=submit]');
  await bruno.waitForURL(here);
  assert.equal(await bruno.inputValue('#availability'), 'away');
  const me = await desk.api('bruno', 'GET', '/api/v1/me');
  assert.equal(me.availability, 'away');
  await desk.shoot(bruno, 'doors-availability');
  assert.deepEqual(bruno.errors, []);
});
