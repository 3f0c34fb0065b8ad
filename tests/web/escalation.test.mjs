// An agent asks for help; a supervisor of another team decides from the escalations page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
before(async () => { desk = await openDesk(); });
after(async () => { await desk?.close(); });

test('an agent requests an escalation; a supervisor approves it; the conversation moves with its thread and says who approved and why', async () => {
  const ana = await desk.signIn('ana');
  const bea = await desk.signIn('bea'); // supervisor of Billing
  await desk.customer('5215533330001', 'Daniel Okafor', { type: 'text', text: { body: 'I was charged twice for order #9001' } });
  await (await rowOf(ana, 'Daniel Okafor')).locator('[data-claim]').click();
  await ana.waitForSelector('#note-text');
  await ana.fill('#note-text', 'Checked the payment log: two captures.');
  await ana.click('#note-form button[type=submit]');
  await ana.waitForSelector('.entry.note');

  // The supervisor's escalations page is open before the request arrives.
  await bea.goto(`${desk.base}/escalations`);
  assert.match(await bea.textContent('#escalation-list'), /Nothing waits for your decision/);

  await ana.keyboard.press('e');
  assert.equal(await ana.evaluate(() => document.activeElement?.id), 'escalate-reason');
  await ana.fill('#escalate-reason', 'Double charge: Billing must refund');
  await ana.selectOption('#escalate-severity', 'high');
  await ana.selectOption('#escalate-target', { label: 'team Billing' });
  await ana.click('#escalate form button[type=submit]');
  await ana.waitForSelector('#escalation-title');
  // The request says, when it is made, what approval will do to the priority.
  assert.match(await ana.textContent('#timeline'), /Ana Lima asked to escalate to team Billing \(high severity; approval makes it urgent priority\) because: Double charge: Billing must refund/);

  // It appears on the supervisor's page by itself, with who asked, why, and how severe.
  const request = bea.locator('.request', { hasText: 'Daniel Okafor' });
  await request.waitFor();
  assert.match(await request.textContent(), /Ana Lima asks to escalate to team Billing/);
  assert.match(await request.textContent(), /Double charge: Billing must refund/);
  assert.match(await request.textContent(), /high/);
  await desk.shoot(bea, 'escalation-waiting');

  await request.locator('input[name=decision_note]').fill('Billing handles refunds; I will call the bank');
  await request.locator('button[value=approve]').click();
  await bea.waitForURL(`${desk.base}/escalations`);
  assert.match(await bea.textContent('#escalation-list'), /Nothing waits for your decision/);

  // The conversation now sits with Billing, its whole thread intact.
  await bea.goto(`${desk.base}/?view=team`);
  await (await rowOf(bea, 'Daniel Okafor')).locator('a.open').click();
  await bea.waitForSelector('#timeline');
  const timeline = await bea.textContent('#timeline');
  assert.match(timeline, /I was charged twice for order #9001/);
  assert.match(timeline, /Checked the payment log: two captures\./);
  assert.match(timeline, /Bea Billing approved the escalation: Billing handles refunds; I will call the bank/);
  // What the approval carried out reads as part of the escalation, and the reason is said once.
  assert.match(timeline, /Escalation: moved from Orders to Billing/);
  assert.match(timeline, /Escalation: priority normal → urgent/);
  assert.doesNotMatch(timeline, /Bea Billing changed the priority/);
  assert.equal((timeline.match(/Double charge: Billing must refund/g) || []).length, 1, 'the reason appears once');
  assert.match(await bea.textContent('.facts'), /Billing/);
  await desk.shoot(bea, 'escalation-approved');

  // Ana hears of it too: the request box is gone from her page.
  await until('Ana sees the decision', async () => /approved the escalation/.test(await ana.textContent('body')) || (await ana.locator('#live-notice').count()) > 0);
  await desk.shoot(ana, 'escalation-agent-after');
});

test('a supervisor rejects with a reason; without one the page says what is missing and keeps the request', async () => {
  const bruno = await desk.signIn('bruno');
  const sara = await desk.signIn('sara'); // supervisor of Orders
  await desk.customer('5215533330002', 'Yuki Tanaka', { type: 'text', text: { body: 'I want to speak to a manager' } });
  await (await rowOf(bruno, 'Yuki Tanaka')).locator('[data-claim]').click();
  await bruno.waitForSelector('#escalate');
  await bruno.keyboard.press('e');
  await bruno.fill('#escalate-reason', 'Customer asks for a manager');
  await bruno.selectOption('#escalate-target', { label: 'team Orders' });
  await bruno.click('#escalate form button[type=submit]');
  await bruno.waitForSelector('#escalation-title');

  await sara.goto(`${desk.base}/escalations`);
  const request = sara.locator('.request', { hasText: 'Yuki Tanaka' });
  await request.locator('button[value=reject]').click();
  await sara.waitForSelector('.error');
  assert.match(await sara.textContent('.error'), /reason/i);
  await request.locator('input[name=decision_note]').fill('I can take this one myself later; keep helping');
  await request.locator('button[value=reject]').click();
  await until('the request leaves the list', async () => (await sara.locator('.request', { hasText: 'Yuki Tanaka' }).count()) === 0);
  await until('Bruno sees the rejection', async () => /Sara Boss rejected the escalation: I can take this one myself later; keep helping/.test(await bruno.textContent('#timeline')));
  await desk.shoot(bruno, 'escalation-rejected');
});
