// Console scenarios of the org's settings pages (Session Settings...).
import { base, cmd, check, newPage, shot, text, logInAs } from './pages.mjs';

// save submits the settings form and waits for the page it leads to.
export async function save(page) {
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
}

// pathOf is the page's path.
export const pathOf = (page) => new URL(page.url()).pathname;

export default {
  // An admin with Customize Application: /setup opens Session Settings;
  // settings changed and read back; a bad time zone refused with its rule,
  // the form kept as sent.
  async 'session-settings'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup');
    check(pathOf(page) === '/setup/session-settings', `/setup led to ${page.url()}`);
    check((await text(page, 'nav.setup-nav [aria-current=page]')) === 'Session Settings', 'the navigation should mark Session Settings');
    await shot(page, 'session-settings');
    await page.selectOption('#session-timeout', '30m');
    await page.selectOption('#lockout-max', '5');
    await page.check('#remember-me');
    await save(page);
    check((await text(page, '.notice')) === 'Saved.', `after saving: notice "${await text(page, '.notice')}", error "${await text(page, '.error')}"`);
    await page.reload();
    check((await page.inputValue('#session-timeout')) === '30m', 'the session timeout should read back as 30m');
    check((await page.inputValue('#lockout-max')) === '5', 'the lockout maximum should read back as 5');
    check(await page.isChecked('#remember-me'), '"remember me" should read back on');
    await shot(page, 'session-settings-saved');
    await page.fill('#timezone', 'Mars/Olympus_Mons');
    await save(page);
    const err = await text(page, '.error');
    check(err.includes(cmd.zoneError), `a bad time zone: the page says "${err}", want "${cmd.zoneError}"`);
    check((await page.inputValue('#timezone')) === 'Mars/Olympus_Mons', 'the refused form should be shown as it was sent');
    await shot(page, 'session-settings-refused');
  },

  // View Setup only: the values, read-only, no Save; a forged POST with
  // the page's own CSRF token is refused, naming the missing permission.
  async 'read-only'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/session-settings');
    check((await page.$('#read-only')) !== null, 'a View Setup admin should be told the page is read-only');
    check((await page.$('#save')) === null, 'no Save button without the permission');
    check(await page.isDisabled('#session-timeout'), 'the fields should be disabled');
    await shot(page, 'read-only');
    const csrf = await page.getAttribute('#settings-form input[name=csrf]', 'value');
    await Promise.all([page.waitForNavigation(), page.evaluate((c) => {
      const f = document.getElementById('settings-form');
      f.querySelector('fieldset').disabled = false;
      f.querySelector('input[name=csrf]').value = c;
      f.submit();
    }, csrf)]);
    const err = await text(page, '.error');
    check(err.includes('"Customize Application"'), `a forged change: the page says "${err}"`);
    await shot(page, 'forged-refused');
  },

  // No setup permission at all: every console page is refused, naming
  // View Setup.
  async 'no-permission'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    const resp = await page.goto(base + '/setup/session-settings');
    check(resp.status() === 403, `a user without View Setup: status ${resp.status()}`);
    const err = await text(page, '.error');
    check(err.includes('"View Setup"'), `the refusal should name View Setup: "${err}"`);
    await shot(page, 'no-permission');
  },
};
