// A page that fell behind: when the server will not replay everything a page missed (one
// `reset` on the live stream instead of the changes), the page draws its live regions afresh
// and goes on live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDesk, rowOf, until } from './desk.mjs';

let desk;
// A tiny catch-up bound: three customers writing while a page is not connected are more than
// its stream replays.
before(async () => { desk = await openDesk({ serverArgs: ['--live-catch-up-versions', '2'] }); });
after(async () => { await desk?.close(); });

test('a queue too far behind to be replayed is drawn afresh, then stays live', async () => {
  const ana = await desk.signIn('ana');
  // Ana's laptop loses the network just as her queue is drawn: its live stream gets through
  // only after three customers have written.
  let reconnect;
  const away = new Promise((resolve) => { reconnect = resolve; });
  await ana.route('**/live?*', async (route) => { await away; await route.continue(); });
  await ana.reload();
  await ana.waitForSelector('#rows');
  const names = ['Missed One', 'Missed Two', 'Missed Three'];
  for (const [i, name] of names.entries()) {
    await desk.customer(`521557777000${i + 1}`, name, { type: 'text', text: { body: `Hello from ${name}` } });
  }
  assert.equal(await ana.locator('[data-row]', { hasText: 'Missed' }).count(), 0, 'drawn before they wrote');
  reconnect();

  // The server sends one reset instead of the three changes: the page redraws its queue.
  for (const name of names) await rowOf(ana, name);
  await until('the page is live again', () => ana.evaluate(() => document.body.dataset.live === 'on'));

  // After the reset the stream goes on: the next customer arrives as a change.
  await ana.unroute('**/live?*');
  await desk.customer('5215577770009', 'After The Break', { type: 'text', text: { body: 'Still there?' } });
  await rowOf(ana, 'After The Break');
  assert.deepEqual(ana.errors, []);
  await desk.shoot(ana, 'live-reset-redrawn');
});
