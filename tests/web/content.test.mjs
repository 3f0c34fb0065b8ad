// Every kind of content reads well in the timeline: orders with their lines and total, a
// Flow's answers (and its raw text when it is not JSON), replies quoting our message (or one
// we do not have), forwards, the ad or product a customer came from, voice notes to play,
// WhatsApp's number-change notice as a line, unsupported messages with a proper article, and
// a message that arrives late placed at its own time. One screenshot per kind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
let ana;
before(async () => { desk = await openDesk(); ana = await desk.signIn('ana'); });
after(async () => { await desk?.close(); });

/** Opens the customer's conversation in Ana's page and answers the timeline's text. */
async function timelineOf(customer) {
  await ana.goto(`${desk.base}/?view=all`);
  await (await rowOf(ana, customer)).locator('a.open').click();
  await ana.waitForSelector('#timeline');
  return ana.textContent('#timeline');
}

test('an order shows each line and what it comes to', async () => {
  await desk.customer('5511970000001', 'Order Customer', { type: 'order', order: { catalog_id: 'cat-1', text: 'for Friday please', product_items: [
    { product_retailer_id: 'SKU-MUG', quantity: 2, item_price: 12.5, currency: 'EUR' },
    { product_retailer_id: 'SKU-TEA', quantity: '1', item_price: '4.00', currency: 'EUR' },
  ] } });
  const text = await timelineOf('Order Customer');
  assert.match(text, /Order/);
  assert.match(text, /2 × SKU-MUG — 12\.50 EUR/);
  assert.match(text, /1 × SKU-TEA — 4\.00 EUR/);
  assert.match(text, /Total: 29\.00 EUR/);
  assert.match(text, /for Friday please/);
  console.log('screenshot (order):', await desk.shoot(ana, 'content-order'));
});

test('a Flow answer shows its fields; one that is not JSON shows its raw text', async () => {
  await desk.customer('5511970000002', 'Flow Customer', { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"secret-token","delivery_date":"2026-12-04","size":["M","L"]}' } } });
  await desk.customer('5511970000002', 'Flow Customer', { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent again', response_json: 'not json at all' } } });
  const text = await timelineOf('Flow Customer');
  assert.match(text, /Form answers/);
  assert.match(text, /delivery_date: 2026-12-04/);
  assert.match(text, /size: M, L/);
  assert.doesNotMatch(text, /secret-token/, 'the flow token is not an answer');
  assert.match(text, /not json at all/);
  console.log('screenshot (flow answers):', await desk.shoot(ana, 'content-flow'));
});

test('a reply quotes the message it answers, and an unknown one says so', async () => {
  const first = await desk.customer('5511970000003', 'Quote Customer', { type: 'text', text: { body: 'Is the blue one in stock?' } });
  await desk.customer('5511970000003', 'Quote Customer', { type: 'text', text: { body: 'I mean this one' }, context: { from: '5511970000003', id: first } });
  await desk.customer('5511970000003', 'Quote Customer', { type: 'text', text: { body: 'and that old one' }, context: { from: '15550001111', id: 'wamid.NOT-HERE' } });
  await timelineOf('Quote Customer');
  const quotes = await ana.locator('.quote').allTextContents();
  assert.equal(quotes.length, 2);
  assert.match(quotes[0], /Is the blue one in stock\?/);
  assert.match(quotes[1], /not in this conversation/);
  console.log('screenshot (reply quotes):', await desk.shoot(ana, 'content-quotes'));
});

test('forwards, the ad a customer came from and the product they asked about are marked', async () => {
  await desk.customer('5511970000004', 'Origin Customer', { type: 'text', text: { body: 'look at this' }, context: { forwarded: true } });
  await desk.customer('5511970000004', 'Origin Customer', { type: 'text', text: { body: 'chain letter' }, context: { frequently_forwarded: true } });
  await desk.customer('5511970000004', 'Origin Customer', { type: 'text', text: { body: 'I saw your ad' }, referral: { source_url: 'https://fb.me/x', source_id: 'ad-1', source_type: 'ad', headline: 'Winter sale: 30% off', body: 'Coats and boots', ctwa_clid: 'clid' } });
  await desk.customer('5511970000004', 'Origin Customer', { type: 'text', text: { body: 'Do you have it in red?' }, context: { from: '15550001111', id: 'wamid.PRODUCT', referred_product: { catalog_id: 'cat-9', product_retailer_id: 'SKU-COAT' } } });
  const text = await timelineOf('Origin Customer');
  assert.match(text, /Forwarded/);
  assert.match(text, /Forwarded many times/);
  assert.match(text, /Came from an ad: Winter sale: 30% off/);
  assert.match(text, /Asked about product SKU-COAT \(catalog cat-9\)/);
  console.log('screenshot (forwards, ad, product):', await desk.shoot(ana, 'content-origins'));
});

test('a voice note can be played in the page', async () => {
  await desk.customer('5511970000005', 'Voice Customer', { type: 'audio', audio: { id: 'voice-1', mime_type: 'audio/ogg; codecs=opus', voice: true } });
  await timelineOf('Voice Customer');
  await until('the voice note was fetched and can be played', async () => {
    await ana.reload();
    return (await ana.locator('audio[controls]').count()) === 1;
  });
  assert.match(await ana.textContent('#timeline'), /Voice message/);
  console.log('screenshot (voice note):', await desk.shoot(ana, 'content-voice'));
});

test('a number change is a line on the timeline, not a customer bubble, and nobody waits', async () => {
  await desk.customer('5511970000006', 'Moving Customer', { type: 'text', text: { body: 'hi there' } });
  await desk.customer('5511970000006', 'Moving Customer', { type: 'system', system: { body: 'Moving Customer changed from 5511970000006 to 5511970000099', wa_id: '5511970000099', type: 'user_changed_number' } });
  const text = await timelineOf('Moving Customer');
  assert.match(text, /The customer's number changed from \+5511970000006 to \+5511970000099/);
  assert.equal(await ana.locator('.entry.customer').count(), 1, 'only the real message is a bubble');
  console.log('screenshot (number change):', await desk.shoot(ana, 'content-number-change'));
});

test('an unsupported message reads "an unsupported message", and a late message sits at its own time', async () => {
  await desk.customer('5511970000007', 'Odd Customer', { type: 'text', text: { body: 'second, sent later' } });
  await desk.customer('5511970000007', 'Odd Customer', { type: 'text', text: { body: 'first, sent two hours ago' } }, { hoursAgo: 2 });
  await desk.customer('5511970000007', 'Odd Customer', { type: 'unknown', errors: [{ code: 131051, title: 'Message type unknown' }] });
  const text = await timelineOf('Odd Customer');
  assert.match(text, /an unsupported message/);
  assert.doesNotMatch(text, /a unknown/);
  const bodies = await ana.locator('.entry.customer .text').allTextContents();
  assert.deepEqual(bodies.slice(0, 2), ['first, sent two hours ago', 'second, sent later']);
  const times = await ana.locator('.entry.customer time').evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime'))));
  assert.ok(Date.now() - times[0] > 100 * 60 * 1000, 'the late message shows the time it was sent, not when it arrived');
  console.log('screenshot (unsupported, late message):', await desk.shoot(ana, 'content-unsupported-and-late'));
});
