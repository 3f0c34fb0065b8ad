// Two office agents work the same queue in two browsers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

test('both agents see a new conversation arrive live; one claims; the other sees the owner change and cannot reply', async () => {
  const ana = await desk.signIn('ana');
  const bruno = await desk.signIn('bruno');

  await desk.customer('5215511110001', 'Marisol Quintero', { type: 'text', text: { body: 'My order #4471 has not arrived' } });
  // No reload: the row appears in both queues, and the count of the view moves.
  const anaRow = await rowOf(ana, 'Marisol Quintero');
  await rowOf(bruno, 'Marisol Quintero');
  assert.equal(await ana.textContent('[data-count="unassigned"]'), '1');
  assert.match(await anaRow.textContent(), /My order #4471 has not arrived/);

  // Bruno opens it before anyone owns it: he may reply (replying would claim it).
  await bruno.click('[data-row] a.open');
  await bruno.waitForSelector('#reply-text');

  // Ana claims it from her queue.
  await anaRow.locator('[data-claim]').click();
  await ana.waitForURL(/\/conversations\//);
  assert.match(await ana.textContent('#owner'), /Ana Lima/);

  // Bruno's open page changes by itself: the owner is Ana and the reply box is gone.
  await until('Bruno sees that Ana owns it', async () => /Ana Lima/.test(await bruno.textContent('#owner')));
  await bruno.waitForSelector('#blocked');
  assert.match(await bruno.textContent('#blocked'), /Ana Lima owns this conversation/);
  assert.equal(await bruno.locator('#reply-text').count(), 0);
  assert.match(await bruno.textContent('#timeline'), /Ana Lima claimed it/);
  await desk.shoot(bruno, 'claims-bruno-sees-ana-owns-it');
  await desk.shoot(ana, 'claims-ana-owns-it');
  assert.deepEqual(bruno.errors, []);
});

test('a claim lost to a colleague says at once who has it', async () => {
  const ana = await desk.signIn('ana');
  const bruno = await desk.signIn('bruno');
  // Bruno's connection to the live stream has dropped, so his page still offers the claim.
  await bruno.route(/\/live(\?|$)/, (route) => route.abort());
  await desk.customer('5215511110002', 'Daniel Okafor', { type: 'text', text: { body: 'Refund please' } });
  const anaRow = await rowOf(ana, 'Daniel Okafor');
  await bruno.reload();
  const brunoRow = await rowOf(bruno, 'Daniel Okafor');
  await anaRow.locator('[data-claim]').click();
  await ana.waitForURL(/\/conversations\//);
  await brunoRow.locator('[data-claim]').click();
  await bruno.waitForSelector('#refusal');
  assert.equal(await bruno.textContent('#refusal'), 'already taken by Ana Lima');
  await desk.shoot(bruno, 'claims-lost-claim');
});

test('keyboard: j/k move through the queue, c claims the selected conversation, ? lists the keys', async () => {
  const ana = await desk.signIn('ana');
  await desk.customer('5215511110003', 'Yuki Tanaka', { type: 'text', text: { body: 'Blue shoes in 42?' } });
  await desk.customer('5215511110004', 'Lucía Fernández', { type: 'text', text: { body: '¿Puedo cambiar la talla?' } });
  await rowOf(ana, 'Yuki Tanaka');
  await rowOf(ana, 'Lucía Fernández');
  await ana.keyboard.press('j');
  await ana.keyboard.press('j');
  await ana.keyboard.press('k');
  const selected = ana.locator('[data-row].selected');
  assert.equal(await selected.count(), 1);
  const chosen = await selected.locator('.customer').textContent();
  assert.equal(chosen, await ana.locator('[data-row] .customer').first().textContent());
  await ana.keyboard.press('?');
  assert.equal(await ana.locator('#help').evaluate((d) => d.open), true);
  await desk.shoot(ana, 'keyboard-help');
  await ana.keyboard.press('Escape');
  await ana.keyboard.press('c');
  await ana.waitForURL(/\/conversations\//);
  assert.match(await ana.textContent('#owner'), /Ana Lima/);
  assert.match(await ana.textContent('h1'), new RegExp(chosen));
  await ana.keyboard.press('n');
  assert.equal(await ana.evaluate(() => document.activeElement?.id), 'note-text');
  await ana.keyboard.press('Escape');
  await ana.keyboard.press('r');
  assert.equal(await ana.evaluate(() => document.activeElement?.id), 'reply-text');
  await desk.shoot(ana, 'keyboard-claimed');
});
