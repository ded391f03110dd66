import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, addMember, call, createListing, createProperty, setStatus } from '../support/api-client';
import { hasChromium, launchChromium, startServedDomus, warnIfNoChromium } from '../support/browser';
import { createOrganization, signUp, type SignedInUser, type TestDomus } from '../support/harness';
import { codeAt, enrolTotp, stepUpWithPassword } from '../../src/modules/security/mfa/mfa.test-support';

warnIfNoChromium();
const password = 'correct horse battery staple'; // what signUp() registers
let domus: TestDomus;
let baseUrl: string;
let buyer: SignedInUser;
let sellerAgent: SignedInUser;
let dealId: string;
let sellerTotp: { secret: string; recoveryCodes: string[] };

describe.skipIf(!hasChromium)('the deal room in Chromium', () => {
  beforeAll(async () => {
    ({ domus, baseUrl } = await startServedDomus());

    const owner = await signUp(domus, 'Agency Owner');
    sellerAgent = await signUp(domus, 'Sam Seller-Agent');
    buyer = await signUp(domus, 'Bea Buyer');
    const organizationId = await createOrganization(domus, owner, 'Canal Estates');
    await addMember(domus, owner, organizationId, sellerAgent.email, 'agent');
    const property = await createProperty(domus, asUser(sellerAgent), organizationId);
    const listing = await createListing(domus, asUser(sellerAgent), property.id);
    await setStatus(domus, asUser(sellerAgent), listing.id, 'active');
    // Accepting an offer needs a second factor within five minutes: the agent has an authenticator app.
    await stepUpWithPassword(domus, asUser(sellerAgent));
    sellerTotp = await enrolTotp(domus, asUser(sellerAgent));
    const opened = await call(domus, asUser(buyer), 'POST', '/deals', { listingId: listing.id });
    expect(opened.statusCode, opened.body).toBe(201);
    dealId = (opened.json() as { id: string }).id;
  }, 180_000);

  afterAll(async () => {
    await domus?.close();
  });

  it('two people negotiate live: presence, chat, the shared offer document, submit and accept with step-up', async () => {
    const browser = await launchChromium();
    const pageErrors: string[] = [];
    try {
      const openAs = async (user: SignedInUser) => {
        const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
        page.on('pageerror', (error) => pageErrors.push(`${user.email}: ${error.message}`));
        page.setDefaultTimeout(20_000);
        await page.goto(`${baseUrl}/login?next=${encodeURIComponent(`/deals/${dealId}`)}`);
        await page.getByTestId('login-email').fill(user.email);
        await page.getByTestId('login-password').fill(password);
        await page.getByTestId('login-submit').click();
        if (user === sellerAgent) {
          await page.getByTestId('mfa-step').waitFor();
          // The server's clock is a manual one: move it to the next 30-second step, or the log-in
          // code would be the enrolment's, which is refused as a replay.
          domus.clock.advance(30_000);
          await page.getByTestId('mfa-code').fill(await codeAt(sellerTotp.secret, domus.clock.now()));
          await page.getByTestId('mfa-submit').click();
        }
        await page.getByTestId('deal-room').waitFor();
        await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
        await expect.poll(() => page.getByTestId('document-state').getAttribute('data-state')).toBe('connected');
        return page;
      };
      const buyerPage = await openAs(buyer);
      const sellerPage = await openAs(sellerAgent);

      // Presence: each sees both people in the room.
      for (const page of [buyerPage, sellerPage]) {
        await expect.poll(async () => (await page.getByTestId('participant').allTextContents()).map((name) => name.trim()).sort())
          .toEqual(expect.arrayContaining([expect.stringContaining('Bea Buyer'), expect.stringContaining('Sam Seller-Agent')]));
      }

      // Chat from the buyer reaches the seller's agent, typing shows while the buyer types.
      await buyerPage.getByTestId('chat-input').fill('Would the sellers consider 600,000?');
      await expect.poll(() => sellerPage.getByTestId('participant-typing').count()).toBe(1);
      await buyerPage.getByTestId('chat-send').click();
      await expect.poll(() => sellerPage.getByTestId('chat-message').allTextContents()).toEqual([expect.stringContaining('Would the sellers consider 600,000?')]);

      // The shared offer document: the buyer writes the terms, the agent adds a note, both see both.
      await buyerPage.getByTestId('doc-amount').fill('600000');
      await buyerPage.getByTestId('doc-closing-date').fill('2027-03-31');
      await expect.poll(() => sellerPage.getByTestId('doc-amount').inputValue()).toBe('600000');
      await sellerPage.getByTestId('doc-notes').fill('Keys at the notary.');
      await expect.poll(() => buyerPage.getByTestId('doc-notes').inputValue()).toBe('Keys at the notary.');

      // The buyer submits; the agent's timeline shows it live (a deal event over the room).
      await buyerPage.getByTestId('submit-offer').click();
      await expect.poll(() => sellerPage.getByTestId('offer-item').getAttribute('data-status')).toBe('submitted');
      expect(await sellerPage.getByTestId('offer-item').textContent()).toContain('600,000');

      // Accepting needs a second factor within the last five minutes: the log-in's is six minutes old
      // now, so the prompt asks for one (a recovery code: the log-in's TOTP code cannot be reused).
      domus.clock.advance(6 * 60_000);
      await sellerPage.getByTestId('accept-offer').click();
      await sellerPage.getByTestId('step-up-prompt').waitFor();
      await sellerPage.getByTestId('step-up-use-recovery').click();
      await sellerPage.getByTestId('step-up-input').fill(sellerTotp.recoveryCodes[0] as string);
      await sellerPage.getByTestId('step-up-submit').click();
      for (const page of [sellerPage, buyerPage]) {
        await expect.poll(() => page.getByTestId('deal-status').textContent()).toBe('accepted');
      }
      await sellerPage.screenshot({ path: path.join(process.env.SCREENSHOT_DIR ?? os.tmpdir(), 'domus-deal-room.png') });

      // Logging out elsewhere (another tab of the same browser) ends the room's connection for good.
      const loggedOut = await buyerPage.request.post(`${baseUrl}/api/v1/auth/logout`, { headers: { origin: baseUrl } });
      expect(loggedOut.status()).toBeLessThan(300);
      await expect.poll(() => buyerPage.getByTestId('connection-state').getAttribute('data-state')).toBe('ended');

      // The server holds what the browsers did.
      const stored = await call(domus, asUser(buyer), 'GET', `/deals/${dealId}`);
      expect(stored.json()).toMatchObject({ status: 'accepted', offers: [{ status: 'accepted', side: 'buyer', amount: { amountMinor: 60_000_000 } }] });
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
