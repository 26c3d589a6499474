import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, type TestBrowser, signIn } from './browser.js';
import { ApiClient, adminClient, buildConsole, startTestGateway, userClient, type TestGateway } from './gateway-harness.js';

/** Navigation entries and the heading each page shows. */
const SECTIONS: [string, string][] = [
  ['Services', 'Services'],
  ['Releases', 'Releases'],
  ['Monitoring', 'Monitoring'],
  ['Logs', 'Logs'],
  ['Call graph', 'Call graph'],
  ['KV', 'KV'],
  ['Messages', 'Messages'],
  ['Hosts', 'Hosts'],
  ['Audit', 'Audit log'],
  ['Settings', 'Settings'],
  ['Dashboard', 'Dashboard'],
];

describe('web console', () => {
  let gw: TestGateway;
  let admin: ApiClient;
  let browser: TestBrowser;

  before(async () => {
    buildConsole();
    gw = await startTestGateway();
    admin = await adminClient(gw, 'admin-password-1');
    await userClient(gw, admin, 'vic', 'viewer');
    browser = await launchBrowser({ baseURL: gw.baseUrl });
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('console - a wrong password shows an error on the login page', async () => {
    const page = await browser.newPage();
    await signIn(page, 'admin', 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    await screenshot(page, 'login-wrong-password');
    await page.close();
  });

  it('console - admin logs in, sees the dashboard, navigates every section and logs out', async () => {
    const page = await browser.newPage();
    await signIn(page, 'admin', 'admin-password-1');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByTestId('components').getByText('gateway').waitFor();
    await page.getByTestId('recent-releases').getByText('No releases yet').waitFor();
    await screenshot(page, 'dashboard');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [link, heading] of SECTIONS) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
      await screenshot(page, `section-${link.toLowerCase().replace(/\s+/g, '-')}`);
    }
    // Pages of areas not built yet show an empty state, and admins see their mutation buttons.
    await nav.getByRole('link', { name: 'Services', exact: true }).click();
    await page.getByTestId('empty-state').waitFor();
    assert.equal(await page.getByTestId('mutation-button').count(), 1);
    await page.getByTestId('logout').click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    assert.equal(me, 401);
    await page.close();
  });

  it('console - a viewer sees no mutation buttons and the API answers 403 to their mutations', async () => {
    const viewerBrowser = await launchBrowser({ baseURL: gw.baseUrl });
    try {
      const page = await viewerBrowser.newPage();
      await signIn(page, 'vic', 'vic-password-2');
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.equal(await nav.getByRole('link', { name: 'Audit' }).count(), 0);
      for (const link of ['Services', 'Releases', 'Monitoring', 'KV', 'Messages']) {
        await nav.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: link }).waitFor();
        await page.getByTestId('empty-state').waitFor();
        assert.equal(await page.getByTestId('mutation-button').count(), 0, `${link} shows a mutation button to a viewer`);
      }
      await nav.getByRole('link', { name: 'Settings', exact: true }).click();
      assert.equal(await page.getByTestId('users').count(), 0);
      await screenshot(page, 'viewer-settings');
      // Runs in the page: the viewer's own session cookie and CSRF token, so only the role can refuse it.
      const status = await page.evaluate<number>(`(async () => {
        const csrf = decodeURIComponent((document.cookie.split('; ').find((c) => c.startsWith('msec_csrf=')) || '').split('=')[1] || '');
        const res = await fetch('/api/v1/users', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ username: 'eve', password: 'long-enough-pass', role: 'admin' }),
        });
        return res.status;
      })()`);
      assert.equal(status, 403);
    } finally {
      await viewerBrowser.close();
    }
  });

  it('console - the OpenAPI UI renders the generated document at /api/docs', async () => {
    const page = await browser.newPage();
    await page.goto('/api/docs');
    await page.getByText('MSEC-TS REST API').first().waitFor();
    await page.getByText('/api/v1/auth/login').first().waitFor();
    await screenshot(page, 'api-docs');
    await page.close();
  });

  it('console - a new user must replace the one-time password, and the console works at phone width', async () => {
    await admin.call('POST', '/api/v1/users', { username: 'nina', password: 'nina-one-time-1', role: 'developer' });
    const page = await browser.newPage({ width: 390, height: 844 });
    await signIn(page, 'nina', 'nina-one-time-1');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await screenshot(page, 'phone-first-login');
    await page.getByLabel('Current password').fill('nina-one-time-1');
    await page.getByLabel('New password (10 characters or more)').fill('nina-password-2');
    await page.getByLabel('Repeat new password').fill('nina-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await screenshot(page, 'phone-dashboard');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `page is ${width}px wide on a 390px screen`);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByLabel('Token name').fill('phone');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    await screenshot(page, 'phone-settings-token');
    await page.close();
  });

  it('console - tokens are created with an expiry and a scope, and a password change says how many it revoked', async () => {
    await userClient(gw, admin, 'tara', 'developer');
    // The browser profile is shared: the previous test left another user signed in.
    await browser.context.clearCookies();
    const page = await browser.newPage();
    await signIn(page, 'tara', 'tara-password-2');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await page.getByLabel('Token name').fill('dashboard-reader');
    await page.getByLabel('Expires after').selectOption('7 days');
    await page.getByLabel('Scope').selectOption('read-only');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    const row = page.getByTestId('tokens').getByRole('row').filter({ hasText: 'dashboard-reader' });
    await row.getByText('read-only').waitFor();
    const listed = (await new ApiClient(gw.baseUrl, await tokenOf(page)).call('GET', '/api/v1/tokens')).body.items as {
      name: string;
      scope: string;
      expiresAt: string;
    }[];
    const reader = listed.find((t) => t.name === 'dashboard-reader')!;
    assert.equal(reader.scope, 'read-only');
    assert.ok(Math.abs(Date.parse(reader.expiresAt) - Date.now() - 7 * 86_400_000) < 120_000, reader.expiresAt);

    await page.getByLabel('Current password').fill('tara-password-2');
    await page.getByLabel('New password (10 characters or more)').fill('tara-password-3');
    await page.getByLabel('Repeat new password').fill('tara-password-3');
    await page.getByRole('button', { name: 'Change password' }).click();
    // The other session is the one userClient opened through the API.
    await page.getByRole('status').filter({ hasText: 'Password changed: 1 other session ended, 1 token revoked.' }).waitFor();
    await page.getByTestId('tokens').getByRole('row').filter({ hasText: 'dashboard-reader' }).getByText('revoked').waitFor();
    await screenshot(page, 'settings-tokens-revoked');
    await page.close();
  });

  it('console - an admin resetting a password or changing a role is told how many sessions and tokens it ended', async () => {
    const user = await userClient(gw, admin, 'ulla', 'developer');
    assert.equal((await user.call('POST', '/api/v1/tokens', { name: 'ci' })).status, 201);
    await browser.context.clearCookies();
    const page = await browser.newPage();
    await signIn(page, 'admin', 'admin-password-1');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    const users = page.getByTestId('users');
    await users.getByLabel('Role of ulla').selectOption('viewer');
    await users.getByRole('status').filter({ hasText: 'ulla is now viewer: 1 session ended, 1 token revoked.' }).waitFor();
    assert.equal((await user.call('GET', '/api/v1/auth/me')).status, 401);

    page.once('dialog', (dialog) => void dialog.accept('ulla-reset-password'));
    await users.getByRole('row').filter({ hasText: 'ulla' }).getByRole('button', { name: 'Reset password' }).click();
    await users.getByRole('status').filter({ hasText: 'Password of ulla reset: 0 sessions ended, 0 tokens revoked.' }).waitFor();
    await users.getByRole('row').filter({ hasText: 'ulla' }).getByText('one-time').waitFor();
    await screenshot(page, 'settings-users-revoked');
    await page.close();
  });
});

/** The secret of the token just created on the page (shown once, in the banner). */
async function tokenOf(page: {
  getByTestId(id: string): { locator(selector: string): { textContent(): Promise<string | null> } };
}): Promise<string> {
  return ((await page.getByTestId('new-token').locator('code').textContent()) ?? '').trim();
}
