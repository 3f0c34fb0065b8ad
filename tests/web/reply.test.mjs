// An agent answers a customer; WhatsApp reports delivery; the window closes and a template
// goes out instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

test('a reply reaches the fake Graph API exactly once, and its ticks turn delivered then read live', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215522220001', 'Yuki Tanaka', { type: 'text', text: { body: 'Do you have size 42?' } });
  const row = await rowOf(ana, 'Yuki Tanaka');
  await row.locator('a.open').click();
  await ana.waitForSelector('#reply-text');
  // Replying to an unassigned conversation claims it.
  await ana.fill('#reply-text', 'Yes, size 42 is in stock.');
  // The same form sent twice (a double click, a flaky connection) is one reply.
  const answers = await ana.evaluate(async () => {
    const form = document.getElementById('reply-form');
    const body = new URLSearchParams(new FormData(form));
    const send = () => fetch(location.href, { method: 'POST', body, redirect: 'manual' }).then((r) => r.status);
    return [await send(), await send()];
  });
  assert.deepEqual(answers, [0, 0].map(() => answers[0]));
  await ana.reload();
  await until('the reply reaches WhatsApp', () => desk.graph.sent.length >= 1);
  await until('the send is recorded as accepted', async () => (await ana.locator('.entry.agent .ticks').getAttribute('data-delivery')) !== 'waiting to send');
  assert.equal(desk.graph.sent.length, 1, 'exactly one send');
  const sent = desk.graph.sent[0];
  assert.equal(sent.to, '+5215522220001');
  assert.equal(sent.text.body, 'Yes, size 42 is in stock.');
  assert.match(await ana.textContent('#owner'), /Ana Lima/);
  assert.match(await ana.textContent('#timeline'), /Ana Lima claimed it by replying/);

  await desk.status(sent.wamid, 'delivered', sent.to);
  await until('two ticks', async () => (await ana.locator('.entry.agent .ticks').getAttribute('data-delivery')) === 'delivered');
  await desk.status(sent.wamid, 'read', sent.to);
  await until('blue ticks', async () => (await ana.locator('.entry.agent .ticks').getAttribute('data-delivery')) === 'read');
  assert.equal(desk.graph.sent.length, 1, 'still exactly one send');
  await desk.shoot(ana, 'reply-read-ticks');
});

test('a failed send shows why on the message', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215522220002', 'Omar Haddad', { type: 'text', text: { body: 'Hello?' } });
  await (await rowOf(ana, 'Omar Haddad')).locator('[data-claim]').click();
  await ana.fill('#reply-text', 'Hi Omar!');
  await ana.click('#reply-form button[type=submit]');
  const sent = await until('the reply is sent', () => desk.graph.sent.find((s) => s.to === '+5215522220002'));
  // WhatsApp's reports name the wamid its answer gave: wait until the server has recorded it.
  await until('the send is recorded as accepted', async () => (await ana.locator('.entry.agent .ticks').getAttribute('data-delivery')) !== 'waiting to send');
  const failure = { id: sent.wamid, status: 'failed', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: sent.to,
    errors: [{ code: 131026, title: 'Message undeliverable' }] };
  await desk.status(sent.wamid, 'sent', sent.to);
  await desk.statusWith(failure);
  await until('the failure is shown', async () => (await ana.locator('.failure').count()) > 0);
  assert.match(await ana.textContent('.entry.agent .failure'), /WhatsApp cannot deliver to this customer/);
  await desk.shoot(ana, 'reply-failed');
});

test('when the window has closed, the composer offers templates, and one goes out with its values', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215522220003', 'Lucía Fernández', { type: 'text', text: { body: 'Where is my parcel?' } }, { hoursAgo: 25 });
  const row = await rowOf(ana, 'Lucía Fernández');
  assert.match(await row.textContent(), /window closed/);
  await row.locator('[data-claim]').click();
  await ana.waitForSelector('#template-picker');
  assert.equal(await ana.locator('#reply-text').count(), 0, 'no free text once the window has closed');
  assert.match(await ana.textContent('#window'), /window is closed/);
  const template = ana.locator('details[data-template="order_update"]');
  await template.locator('summary').click();
  await template.locator('input[name="param:body.1"]').fill('Lucía');
  await template.locator('input[name="param:body.2"]').fill('#4471');
  await template.locator('button[type=submit]').click();
  const sent = await until('the template reaches WhatsApp', () => desk.graph.sent.find((s) => s.to === '+5215522220003'));
  assert.equal(sent.type, 'template');
  assert.equal(sent.template.name, 'order_update');
  assert.deepEqual(sent.template.components[0].parameters.map((p) => p.text), ['Lucía', '#4471']);
  await until('the template shows in the timeline', async () => /Hi Lucía, your order #4471 is on its way\./.test(await ana.textContent('#timeline')));
  await desk.shoot(ana, 'template-sent');
});
