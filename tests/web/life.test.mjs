// A conversation's working life: notes seen live by a colleague, a handoff that needs its
// note, a supervisor's reassignment that needs its reason, labels, priority and status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

test('a note appears live for a colleague; a handoff without a note is refused, with one it goes through', async () => {
  const ana = await desk.signIn('ana');
  const bruno = await desk.signIn('bruno');
  await desk.customer('5215566660001', 'Handoff Story', { type: 'text', text: { body: 'My package is damaged' } });
  await (await rowOf(ana, 'Handoff Story')).locator('[data-claim]').click();
  await ana.waitForSelector('#note-text');
  const path = new URL(ana.url()).pathname;
  await bruno.goto(`${desk.base}${path}`);
  await bruno.waitForSelector('#timeline');

  await ana.fill('#note-text', 'Photos requested from the customer.');
  await ana.click('#note-form button[type=submit]');
  await until('Bruno sees the note without reloading', async () => /Photos requested from the customer\./.test(await bruno.textContent('#timeline')));
  assert.equal(await bruno.locator('.entry.note').count(), 1);

  // A handoff is a message to the next person: without it the desk refuses.
  await ana.click('text=Hand off or release');
  await ana.selectOption('#handoff-to', { label: 'Bruno Costa (agent)' });
  await ana.evaluate(() => document.getElementById('handoff-note').removeAttribute('required'));
  await ana.click('button[value=assign]');
  await ana.waitForSelector('#refusal');
  assert.match(await ana.textContent('#refusal'), /note/i);
  assert.match(await ana.textContent('#owner'), /Ana Lima/);

  await ana.click('text=Hand off or release');
  await ana.selectOption('#handoff-to', { label: 'Bruno Costa (agent)' });
  await ana.fill('#handoff-note', 'Customer sent photos; approve the replacement.');
  await ana.click('button[value=assign]');
  await until('the handoff is on the timeline', async () => /Ana Lima handed it off: Ana Lima → Bruno Costa/.test(await ana.textContent('#timeline')));
  assert.match(await ana.textContent('#timeline'), /Customer sent photos; approve the replacement\./);
  await until('Bruno owns it on his open page', async () => /Bruno Costa/.test(await bruno.textContent('#owner')));
  await bruno.waitForSelector('#reply-text');
  await desk.shoot(bruno, 'life-handoff-received');
});

test('a supervisor reassigns only with a reason; labels, priority and status change from the side panel', async () => {
  const bruno = await desk.signIn('bruno');
  const sara = await desk.signIn('sara');
  await desk.customer('5215566660002', 'Reassign Story', { type: 'text', text: { body: 'Nobody answers me' } });
  await (await rowOf(bruno, 'Reassign Story')).locator('[data-claim]').click();
  await bruno.waitForSelector('#owner');
  const path = new URL(bruno.url()).pathname;

  await sara.goto(`${desk.base}${path}`);
  await sara.click('text=Assign (supervisor)');
  await sara.selectOption('#assign-to', { label: 'Ana Lima (agent)' });
  await sara.click('button[value=assign]');
  await sara.waitForSelector('#refusal');
  assert.match(await sara.textContent('#refusal'), /reason/i);

  await sara.click('text=Assign (supervisor)');
  await sara.selectOption('#assign-to', { label: 'Ana Lima (agent)' });
  await sara.fill('#assign-reason', 'Bruno is at lunch');
  await sara.click('button[value=assign]');
  await until('the reassignment is on the timeline', async () => /Assigned Bruno Costa → Ana Lima by Sara Boss because: Bruno is at lunch/.test(await sara.textContent('#timeline')));
  await until('Bruno is told at once', async () => /Ana Lima owns this conversation/.test(await bruno.textContent('#composer')));

  await sara.fill('#label-new', 'damaged-goods');
  await sara.click('#label-new + button');
  await sara.waitForSelector('.labels .label');
  assert.equal(await sara.textContent('.labels .label'), 'damaged-goods');
  await sara.selectOption('#priority', 'urgent');
  await sara.click('#priority + button');
  await until('urgent', async () => /Sara Boss changed the priority: normal → urgent/.test(await sara.textContent('#timeline')));

  await sara.selectOption('#snooze', '240');
  await sara.click('text=Snooze >> nth=-1');
  await until('snoozed', async () => /snoozed until/.test(await sara.textContent('.facts')));
  await sara.goto(`${desk.base}/?view=snoozed&label=damaged-goods&priority=urgent`);
  const row = await rowOf(sara, 'Reassign Story');
  assert.match(await row.textContent(), /urgent/);
  assert.match(await row.textContent(), /damaged-goods/);
  assert.equal(await sara.textContent('[data-count="snoozed"]'), '1');
  await desk.shoot(sara, 'life-snoozed-filtered');

  await row.locator('a.open').click();
  await sara.click('button[value=open]');
  await until('reopened', async () => /open/.test(await sara.textContent('.facts')));
  await sara.click('button[value=resolved]');
  await until('resolved', async () => /resolved/.test(await sara.textContent('.facts')));
  await sara.click('button[aria-label="Remove label damaged-goods"]');
  await until('label removed', async () => (await sara.locator('.labels .label').count()) === 0);
  const timeline = await sara.textContent('#timeline');
  assert.match(timeline, /changed the status: open → snoozed until/);
  assert.match(timeline, /changed the status: open → resolved/);
  assert.match(timeline, /removed label “damaged-goods”/);
  await desk.shoot(sara, 'life-resolved');
});
