// Console scenarios of Profiles and Users (e2e/console_users_test.go).
import { base, cmd, check, newPage, shot, text, logInAs, enterCode, totp, forge } from './pages.mjs';
import { pathOf } from './console-settings.mjs';

// submit clicks a button that sends a form, and waits for the page it leads to.
async function submit(page, selector) {
  await Promise.all([page.waitForLoadState('load'), page.click(selector)]);
}

// notice is the page's notice, checked against want (and no error).
async function expectNotice(page, want, what) {
  const n = await text(page, '.notice');
  check(n.includes(want), `${what}: notice "${n}", error "${await text(page, '.error')}", want "${want}"`);
}

// openUser opens a user's page from the Users list.
async function openUser(page, username) {
  await page.goto(base + '/setup/users');
  check(pathOf(page) === '/setup/users', `the Users page: ${page.url()}`);
  await submit(page, `tr[data-user="${username}"] a`);
  check((await text(page, '#user-username')) === username, `${username}'s page: ${page.url()} ${await text(page, '.error')}`);
}

// rangeRows are the login IP ranges the page lists.
const rangeRows = (page) => page.$$eval('#range-list tr[data-range]', (rows) => rows.map((r) => r.dataset.range));

export default {
  // A profile: a permission granted; login hours set in the hours' zone and
  // read back there and in the admin's; a login IP range added, edited,
  // deleted, and one the seed forbids refused with its rule.
  async 'profiles'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/profiles');
    check((await text(page, 'nav.setup-nav [aria-current=page]')) === 'Profiles', 'the navigation should mark Profiles');
    await shot(page, 'profiles');
    await submit(page, `#profile-list a:text-is("${cmd.profileName}")`);
    check(pathOf(page) === '/setup/profiles/' + cmd.profileId, `the profile's page: ${page.url()}`);
    check((await text(page, '#hours-zone')).includes(cmd.hoursZone), `the hours' zone: "${await text(page, '#hours-zone')}"`);
    await shot(page, 'profile');

    await page.check('#view-setup');
    await submit(page, '#save-permissions');
    await expectNotice(page, 'Saved.', 'the permission');
    check(await page.isChecked('#view-setup'), 'View Setup should read back granted');

    await page.selectOption('#mode-mon', 'hours');
    await page.fill('#start-mon', '08:00');
    await page.fill('#end-mon', '18:00');
    await page.selectOption('#mode-sun', 'none');
    await submit(page, '#save-hours');
    await expectNotice(page, 'Login hours saved.', 'the login hours');
    const summary = await text(page, '#hours-summary');
    check(summary.includes(cmd.expectHours), `the hours in both zones: "${summary}", want "${cmd.expectHours}"`);
    check(summary.includes(`Sun no login that day (${cmd.hoursZone})`), `Sunday: "${summary}"`);
    check((await page.inputValue('#start-mon')) === '08:00' && (await page.inputValue('#end-mon')) === '18:00', 'Monday reads back in the hours\' zone');
    check((await page.inputValue('#mode-sun')) === 'none' && (await page.inputValue('#mode-tue')) === 'any', 'Sunday and Tuesday read back');
    await shot(page, 'hours-saved');
    // A refused hours form is shown as it was sent.
    await page.selectOption('#mode-wed', 'hours');
    await page.fill('#start-wed', '18:00');
    await page.fill('#end-wed', '08:00');
    await submit(page, '#save-hours');
    check((await text(page, '.error')).includes('before the start'), `a reversed window: "${await text(page, '.error')}"`);
    check((await page.inputValue('#start-wed')) === '18:00', 'the refused hours are kept as sent');

    await page.goto(base + '/setup/profiles/' + cmd.profileId);
    await page.fill('#add-start', '203.0.113.0');
    await page.fill('#add-end', '203.0.113.20');
    await submit(page, '#add-range');
    await expectNotice(page, 'IP range added.', 'adding a range');
    check(JSON.stringify(await rangeRows(page)) === '["203.0.113.0-203.0.113.20"]', `after adding: ${await rangeRows(page)}`);
    await page.fill('#edit-range-0 input[name=end]', '203.0.113.99');
    await submit(page, '#edit-range-0 button');
    await expectNotice(page, 'IP range saved.', 'editing a range');
    await page.fill('#add-start', '198.51.100.7');
    await submit(page, '#add-range');
    check(JSON.stringify(await rangeRows(page)) === '["203.0.113.0-203.0.113.99","198.51.100.7"]', `after the edit and a single address: ${await rangeRows(page)}`);
    await shot(page, 'ranges');
    await submit(page, 'button[aria-label="Delete 203.0.113.0-203.0.113.99"]');
    await expectNotice(page, 'IP range deleted.', 'deleting a range');
    check(JSON.stringify(await rangeRows(page)) === '["198.51.100.7"]', `after deleting: ${await rangeRows(page)}`);
    await page.fill('#add-start', cmd.badStart);
    await page.fill('#add-end', cmd.badEnd);
    await submit(page, '#add-range');
    const err = await text(page, '.error');
    check(err === cmd.rangeError, `a range the seed forbids: "${err}", want "${cmd.rangeError}"`);
    check((await page.inputValue('#add-start')) === cmd.badStart, 'the refused range is kept as sent');
    await shot(page, 'range-refused');
  },

  // A new user created from the Users page (a taken name refused first,
  // the form kept).
  async 'create-user'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/users');
    await shot(page, 'users');
    const fill = async (username) => {
      await page.fill('#username', username);
      await page.fill('#email', cmd.newUser);
      await page.fill('#first-name', 'Nina');
      await page.fill('#last-name', 'New');
      await page.selectOption('#profile', cmd.profileId);
      await page.fill('#password', cmd.newPassword);
      await submit(page, '#create-user');
    };
    await fill(cmd.username);
    check((await text(page, '.error')).includes('is taken'), `a taken user name: "${await text(page, '.error')}"`);
    check((await page.inputValue('#username')) === cmd.username && (await page.inputValue('#password')) === '', 'the form is kept, the password is not');
    await fill(cmd.newUser);
    await expectNotice(page, 'User created.', 'creating');
    check((await text(page, '#user-username')) === cmd.newUser, `the new user's page: ${page.url()}`);
    await shot(page, 'created');
    await page.goto(base + '/setup/users');
    check((await page.$(`tr[data-user="${cmd.newUser}"]`)) !== null, 'the list shows the new user');
  },

  // A user locked out by failed logins, unlocked from their page.
  async 'unlock'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await openUser(page, cmd.target);
    check((await text(page, '#user-locked')) === 'Yes', `locked: "${await text(page, '#user-locked')}"`);
    check((await text(page, '#user-attempts')) === String(cmd.attempts), `failed attempts: "${await text(page, '#user-attempts')}"`);
    await page.goto(base + '/setup/users');
    check((await text(page, `tr[data-user="${cmd.target}"] .usr-locked`)) === 'Locked', 'the list marks the user locked');
    await openUser(page, cmd.target);
    await shot(page, 'locked');
    await submit(page, '#unlock');
    await expectNotice(page, 'User unlocked', 'unlocking');
    check((await text(page, '#user-locked')) === 'No' && (await text(page, '#user-attempts')) === '0', 'unlocked, no attempts left counted');
    await shot(page, 'unlocked');
  },

  // A user's session ended, browser revoked, authenticator app removed,
  // token reset; deactivated and activated again.
  async 'manage-user'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await openUser(page, cmd.target);
    check((await page.$$('#session-list tr[data-ref]')).length === 2, 'the user has two live sessions');
    check((await page.$$('#device-list tr[data-device]')).length === 2, 'the user has two activated browsers');
    check((await text(page, '#user-totp')) === 'Registered', 'the user has an authenticator app');
    await shot(page, 'user');
    await submit(page, '#session-list tr[data-ref] button');
    await expectNotice(page, 'The session has ended.', 'ending the session');
    check((await page.$$('#session-list tr[data-ref]')).length === 1, 'one session is left');
    await submit(page, '#end-sessions');
    await expectNotice(page, 'Every session of the user has ended.', 'ending every session');
    check((await page.$('#no-sessions')) !== null, 'no session is left');
    await submit(page, '#device-list tr[data-device] button');
    await expectNotice(page, 'The browser was revoked', 'revoking the browser');
    check((await page.$$('#device-list tr[data-device]')).length === 1, 'one browser is left');
    await submit(page, '#revoke-devices');
    await expectNotice(page, 'Every activated browser of the user was revoked.', 'revoking every browser');
    check((await page.$('#no-devices')) !== null, 'no browser is left');
    await submit(page, '#reset-password');
    await expectNotice(page, 'link to choose a new password was sent', 'the password reset link');
    await submit(page, '#remove-totp');
    await expectNotice(page, 'authenticator app was removed', 'removing the app');
    check((await text(page, '#user-totp')) === 'None', 'the app is gone');
    await submit(page, '#reset-token');
    await expectNotice(page, 'new security token was sent', 'the token reset');
    await submit(page, '#deactivate');
    await expectNotice(page, 'User deactivated', 'deactivating');
    check((await text(page, '#user-status')) === 'Inactive', 'inactive');
    await shot(page, 'deactivated');
    await submit(page, '#activate');
    await expectNotice(page, 'User activated.', 'activating');
    check((await text(page, '#user-status')) === 'Active', 'active again');
    await shot(page, 'managed');
  },

  // The org asks for High Assurance to reset tokens (Raise): a Standard
  // session's reset goes through the step-up page (a key enrolled, a code)
  // and back to the user's page, where the reset is made again.
  async 'step-up'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await openUser(page, cmd.target);
    const userPath = pathOf(page);
    await submit(page, '#reset-token');
    check(pathOf(page) === '/login/step-up', `a Standard session's reset: ${page.url()} ${await text(page, '.error')}`);
    const key = await page.getAttribute('#totp-secret', 'data-secret');
    check(key, 'the step-up page should enrol a key');
    await shot(page, 'step-up');
    await enterCode(page, totp(key));
    check(pathOf(page) === userPath, `after the step-up: ${page.url()} ${await text(page, '.error')}`);
    await expectNotice(page, 'High Assurance', 'back from the step-up');
    await submit(page, '#reset-token');
    await expectNotice(page, 'new security token was sent', 'the reset, raised');
    await shot(page, 'stepped-up');
  },

  // View Setup without Manage Users: the pages read, offer no change, and a
  // forged change is refused naming Manage Users.
  async 'refused'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/users');
    check((await page.$('#new-user-form')) === null, 'no new user form without Manage Users');
    await openUser(page, cmd.target);
    check((await page.$('#unlock')) === null && (await page.$('#deactivate')) === null, 'no change offered');
    check((await page.$('#read-only')) !== null, 'the page says it is read-only');
    const resp = await forge(page, '/setup/users/' + encodeURIComponent(cmd.target), { do: 'unlock' });
    check(resp.status() === 403, `a forged unlock: status ${resp.status()}`);
    const err = await text(page, '.error');
    check(err.includes('"Manage Users"'), `the refusal should name Manage Users: "${err}"`);
    await shot(page, 'refused');
    await page.goto(base + '/setup/profiles/' + cmd.profileId);
    check((await page.$('#add-range-form')) === null && (await page.$('#save-hours')) === null, 'no profile change offered');
    const again = await forge(page, '/setup/profiles/' + cmd.profileId, { do: 'add-range', start: '10.0.0.1', end: '10.0.0.2' });
    check(again.status() === 403 && (await text(page, '.error')).includes('"Manage Users"'), `a forged range: ${again.status()} "${await text(page, '.error')}"`);
  },
};
