// Drives Debian's headless Chromium through the login pages with
// playwright-core, for the Go end-to-end tests (the harness: pages.mjs).
//
//   {"scenario":"first-login", "baseUrl":"http://127.0.0.1:P", "sesUrl":"http://127.0.0.1:Q",
//    "artifacts":"/dir", "chromium":"/usr/bin/chromium", "username":"u", "password":"p", "email":"e", ...}
import {
  cmd, base, out, check, browser, run, newPage, shot, text, nowSec, submitLogin, logIn, expectHome, mailTo, codeFromMail, totp, enterCode, logout, setNewPassword, logInAs,
} from './pages.mjs';

const scenarios = {
  // An expired password: the login ends in a forced change, no session
  // before it; each refused password says which rule it broke; the new one
  // opens the session, and the old one no longer logs in.
  async 'expired-password'() {
    const { context, page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login/verify' && (await page.$('#expired-form')), `an expired password should ask for a new one; at ${page.url()}`);
    check((await page.innerText('main')).includes('has expired'), 'the page should say the password expired');
    check(!(await context.cookies()).some((c) => c.name === '__Host-sid'), 'a session cookie before the new password');
    await shot(page, 'forced-change');
    for (const [i, v] of cmd.violations.entries()) {
      await setNewPassword(page, '#expired-form', v.password);
      const err = await text(page, '.error');
      check(err.includes(v.message), `"${v.password}": the page says "${err}", want "${v.message}"`);
      check(await page.$('#expired-form'), `"${v.password}": the form should be shown again`);
      await shot(page, `violation-${i + 1}`);
      if (i === 1) {
        // Tries are the challenge's (3): log in again to go on.
        await submitLogin(page, cmd.username, cmd.password);
      }
    }
    await setNewPassword(page, '#expired-form', cmd.newPassword, cmd.newPassword + 'x');
    check((await text(page, '.error')).includes('not the same'), `two different passwords: "${await text(page, '.error')}"`);
    await submitLogin(page, cmd.username, cmd.password);
    await setNewPassword(page, '#expired-form', cmd.newPassword);
    await expectHome(page, 'after the forced change');
    await shot(page, 'home');
    await logout(page);
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login' && (await text(page, '.error')) !== '', 'the old password should be refused');
    await submitLogin(page, cmd.username, cmd.newPassword);
    await expectHome(page, 'the new password');
  },

  // First login: no code, this browser is activated; cookie flags; logout.
  async 'first-login'() {
    const { context, page } = await newPage();
    await page.goto(base + '/login');
    check((await page.getAttribute('#username', 'autocomplete')) === 'username', 'the user name field should allow autocomplete');
    await shot(page, 'login');
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'first login');
    check((await text(page, '#level')) === 'Standard', `level ${await text(page, '#level')}`);
    await shot(page, 'home');
    const cookies = await context.cookies();
    out.cookies = cookies.map((c) => ({ name: c.name, secure: c.secure, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path, domain: c.domain, session: c.expires === -1 }));
    // Security headers of the home page.
    const resp = await page.goto(base + '/');
    out.headers = resp.headers();
    await logout(page);
    check((await text(page, '.notice')).includes('logged out'), 'no logged-out notice');
    check((await page.inputValue('#username')).toLowerCase() === cmd.username.toLowerCase(), 'the login page should remember the user name');
    await shot(page, 'logged-out');
    await page.goto(base + '/');
    check(new URL(page.url()).pathname === '/login', 'after logout the home page must send to the login page');
  },

  // A second browser needs a code from the mail; then it is activated.
  async 'new-browser'() {
    const first = await newPage();
    await submitLogin(first.page, cmd.username, cmd.password);
    await expectHome(first.page, 'first browser');
    const { page } = await newPage();
    const since = nowSec();
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login/verify', `a new browser should be asked for a code; at ${page.url()}`);
    check((await page.innerText('main')).includes('***@'), 'the page should say where the code went (masked)');
    await shot(page, 'verify-email');
    const code = await codeFromMail(since);
    await enterCode(page, code);
    await expectHome(page, 'with the emailed code');
    await logout(page);
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'the activated browser again (no code)');
  },

  // Wrong codes count toward lockout (max 3): the email, then two wrong codes.
  async 'wrong-code'() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login/verify', 'a code should be asked');
    await enterCode(page, '000000');
    const err = await text(page, '.error');
    check(/not valid/.test(err), `a wrong code should say so: ${err}`);
    await shot(page, 'wrong-code');
    await enterCode(page, '000001');
    await shot(page, 'after-second-wrong-code');
    await submitLogin(page, cmd.username, cmd.password);
    const locked = await text(page, '.error');
    check(/check your username and password/i.test(locked), `a locked user should get the generic text: ${locked}`);
    out.lockedText = locked;
    await shot(page, 'locked');
  },

  // Generic text for an unknown user and for a wrong password.
  async 'wrong-password'() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password + 'x');
    const a = await text(page, '.error');
    await shot(page, 'wrong-password');
    await submitLogin(page, 'nobody-' + cmd.username, cmd.password);
    const b = await text(page, '.error');
    check(a && a === b, `wrong password and unknown user must read alike: "${a}" vs "${b}"`);
    out.genericText = a;
  },

  // From the org's trusted range no code is asked, even in a new browser.
  async trusted() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'from a trusted range');
  },

  // Two-factor for UI logins from a new browser: the emailed code first
  // (enrolling adds a factor, which the password alone may not do), then
  // enrolment with the key on the page, then a prompt.
  async 'totp-enrol'() {
    const { page } = await newPage();
    const since = nowSec();
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login/verify', 'a verification page should follow the password');
    check((await page.$('#totp-secret')) === null, 'no key may be offered on the password alone');
    check((await page.innerText('main')).includes('***@'), 'the emailed code should be asked first');
    await enterCode(page, await codeFromMail(since));
    check(new URL(page.url()).pathname === '/login/verify', 'an enrolment page should follow the emailed code');
    const key = await page.getAttribute('#totp-secret', 'data-secret');
    check(key && key.length >= 16, 'the key should be on the page');
    const qr = await page.getAttribute('.qr img', 'src');
    check(qr && qr.startsWith('data:image/png;base64,'), 'the QR code should be an inline PNG');
    await shot(page, 'enrol');
    await enterCode(page, '123456' === totp(key) ? '654321' : '123456');
    check(/not valid/.test(await text(page, '.error')), 'a wrong TOTP code should be refused');
    await enterCode(page, totp(key));
    await expectHome(page, 'after enrolment');
    check((await text(page, '#level')) === 'High Assurance', 'a TOTP login is High Assurance');
    await logout(page);
    // Next login: a prompt (the key is registered); the next time step's
    // code, since the one just used is spent.
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login/verify', 'a TOTP prompt should follow the password');
    check((await page.$('#totp-secret')) === null, 'the key must not be shown again once enrolled');
    await shot(page, 'totp-prompt');
    await enterCode(page, totp(key, Date.now() + 30000));
    await expectHome(page, 'with a TOTP code');
  },

  // The profile requires High Assurance at login: TOTP after the password.
  async 'high-assurance'() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    check(new URL(page.url()).pathname === '/login/verify', 'a TOTP prompt should follow the password');
    await shot(page, 'prompt');
    await enterCode(page, totp(cmd.totpKey));
    await expectHome(page, 'High Assurance at login');
    check((await text(page, '#level')) === 'High Assurance', 'the session must be High Assurance');
    await shot(page, 'home');
  },

  // A POST without the CSRF token (or with another) is refused.
  async csrf() {
    const { page } = await newPage();
    await page.goto(base + '/login');
    await page.fill('#username', cmd.username);
    await page.fill('#password', cmd.password);
    await page.evaluate(() => document.querySelector('input[name=csrf]').remove());
    const [resp] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
      page.click('button[type=submit]')]);
    check(resp.status() === 403, `a login POST without the CSRF token: ${resp.status()}`);
    check(/did not come from this site/.test(await text(page, '.error')), 'the refusal should say why');
    await shot(page, 'refused');
    // Signed in, a logout form with a wrong token is refused too.
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    await page.evaluate(() => { document.querySelector('#logout-form input[name=csrf]').value = 'x'.repeat(43); });
    const [resp2] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/logout')), page.click('#logout-form button[type=submit]')]);
    check(resp2.status() === 403, `a logout POST with a wrong CSRF token: ${resp2.status()}`);
    await page.goto(base + '/');
    await expectHome(page, 'the session survives the refused POST');
  },

  // Outside the profile's login hours the login is denied.
  async hours() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    const err = await text(page, '.error');
    check(/login hours/i.test(err), `outside login hours: ${err}`);
    await shot(page, 'denied');
  },

  // The org turned off caching and autocomplete on the login page.
  async 'no-caching'() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    await logout(page);
    check((await page.inputValue('#username')) === '', 'the user name must not be remembered');
    check((await page.getAttribute('#username', 'autocomplete')) === 'off', 'autocomplete must be off');
  },

  // The idle-timeout prompt: Continue refreshes the session; unanswered,
  // the browser logs out at the timeout. The browser's clock is driven.
  async timeout() {
    const { page } = await newPage();
    await page.clock.install();
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    const idle = parseInt(await page.getAttribute('body', 'data-idle-timeout'), 10);
    check(idle === cmd.timeoutSeconds, `idle timeout on the page ${idle}, want ${cmd.timeoutSeconds}`);
    check(!(await page.isVisible('#timeout-dialog')), 'no prompt at first');
    await page.clock.fastForward((idle - 50) * 1000);
    await page.waitForSelector('#timeout-dialog', { state: 'visible' });
    await shot(page, 'prompt');
    const [refresh] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/session/refresh')), page.click('#timeout-continue')]);
    check(refresh.status() === 200, `Continue: refresh answered ${refresh.status()}`);
    await page.waitForSelector('#timeout-dialog', { state: 'hidden' });
    // A full timeout from the refresh minus a little: still signed in, prompted again.
    await page.clock.fastForward((idle - 50) * 1000);
    await page.waitForSelector('#timeout-dialog', { state: 'visible' });
    check(new URL(page.url()).pathname === '/', 'still on the home page before the timeout');
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.clock.fastForward(60 * 1000)]);
    await page.waitForLoadState('load');
    const notice = await text(page, '.notice');
    check(/idle/.test(notice), `the login page should say why: "${notice}"`);
    await shot(page, 'timed-out');
    await page.goto(base + '/');
    check(new URL(page.url()).pathname === '/login', 'the session must be over');
  },

  // Step-up: a Standard session raised to High Assurance with a TOTP code
  // (enrolling a key first), where the authorizer's step-up URL points.
  async 'step-up'() {
    const { page } = await newPage();
    await submitLogin(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    check((await text(page, '#level')) === 'Standard', 'a password login is Standard');
    await page.goto(base + '/login/step-up?resource=reports');
    check(/reports/.test(await page.innerText('main')), 'the page should say what the step-up is for');
    const key = await page.getAttribute('#totp-secret', 'data-secret');
    check(key, 'a user without a key enrols one');
    await shot(page, 'enrol');
    await enterCode(page, totp(key));
    await expectHome(page, 'after the step-up');
    check((await text(page, '#level')) === 'High Assurance', `level after the step-up: ${await text(page, '#level')}`);
    check(/now High Assurance/.test(await text(page, '.notice')), 'the home page should say so');
    await shot(page, 'raised');
  },

  // The home page's own sessions: a SOAP session (opened by the Go test)
  // is ended with its "End" button, then a second browser's session with
  // "Log out everywhere else"; this browser's session goes on.
  async 'end-others'() {
    const a = await newPage();
    const b = await newPage();
    await logIn(b.page, cmd.username, cmd.password);
    await expectHome(b.page, 'second browser login');
    await logIn(a.page, cmd.username, cmd.password);
    await expectHome(a.page, 'login');
    const types = await a.page.$$eval('#session-list tbody tr', (rows) => rows.map((r) => r.dataset.type).sort());
    check(JSON.stringify(types) === JSON.stringify(['SOAP', 'UI', 'UI']), `sessions listed: ${JSON.stringify(types)}`);
    check((await a.page.locator('#session-list .badge', { hasText: 'This session' }).count()) === 1, 'this session is marked');
    const refs = await a.page.$$eval('#session-list tbody tr', (rows) => rows.map((r) => r.dataset.ref));
    out.refs = refs;
    await shot(a.page, 'sessions');
    await Promise.all([a.page.waitForLoadState('load'), a.page.locator('#session-list tr[data-type=SOAP] button').click()]);
    check(/That session has ended/.test(await text(a.page, '.notice')), `after End: "${await text(a.page, '.notice')}" ${await text(a.page, '.error')} at ${a.page.url()}: ${(await a.page.innerText('body')).slice(0, 300)}`);
    check((await a.page.locator('#session-list tbody tr').count()) === 2, 'the SOAP session is no longer listed');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#end-others')]);
    check(/Every other session/.test(await text(a.page, '.notice')), `after Log out everywhere else: "${await text(a.page, '.notice')}" ${await text(a.page, '.error')}`);
    check((await a.page.locator('#session-list tbody tr').count()) === 1, 'only this session is left');
    check((await a.page.$('#end-others')) === null, 'nothing else to end');
    await shot(a.page, 'ended');
    await b.page.goto(base + '/');
    check(new URL(b.page.url()).pathname === '/login', `the other browser: ${b.page.url()}; its session must be over`);
    await a.page.goto(base + '/');
    await expectHome(a.page, 'this browser after ending the others');
  },

  // "Reset my security token" on the home page: a notice when the mail
  // went out, a clear error when it could not (cmd.expectFailure).
  async 'token-reset'() {
    const { page } = await newPage();
    await logIn(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    await shot(page, 'home');
    await Promise.all([page.waitForLoadState('load'), page.click('#reset-token')]);
    if (cmd.expectFailure) {
      const err = await text(page, '.error');
      check(/couldn't send/.test(err) && /still work/.test(err), `SES down: "${err}"`);
      await shot(page, 'mail-down');
      return;
    }
    const notice = await text(page, '.notice');
    check(/new security token/.test(notice), `after the reset: "${notice}" ${await text(page, '.error')}`);
    await shot(page, 'token-sent');
  },

  // Change password: a wrong current password and a mismatch are refused
  // with clear messages, then the change works.
  async 'password-change'() {
    const { page } = await newPage();
    await logIn(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    await Promise.all([page.waitForLoadState('load'), page.click('#change-password')]);
    const fill = async (cur, next, confirm) => {
      await page.fill('#current', cur);
      await page.fill('#new', next);
      await page.fill('#confirm', confirm);
      await Promise.all([page.waitForLoadState('load'), page.click('form[action="/settings/password"] button[type=submit]')]);
    };
    await shot(page, 'form');
    await fill(cmd.password, cmd.newPassword, cmd.newPassword + 'x');
    check(/differ/.test(await text(page, '.error')), 'a mismatched confirmation should be refused');
    await fill('not-' + cmd.password, cmd.newPassword, cmd.newPassword);
    check(/current password is not correct/.test(await text(page, '.error')), `a wrong current password: ${await text(page, '.error')}`);
    await shot(page, 'wrong-current');
    await fill(cmd.password, cmd.newPassword, cmd.newPassword);
    check(new URL(page.url()).pathname === '/', `after the change: ${page.url()} ${await text(page, '.error')}`);
    check(/password was changed/.test(await text(page, '.notice')), 'the home page should confirm the change');
    await shot(page, 'changed');
    await logout(page);
    await logIn(page, cmd.username, cmd.newPassword);
    await expectHome(page, 'login with the new password');
  },

  // "Forgot your password?": an unknown name and a known one get the same
  // answer; the link from the mail, the emailed code (this browser is not
  // recognised), the new password; the link then works no more, and the
  // new password logs in.
  async 'forgot-password'() {
    const { page } = await newPage();
    const ask = async (name) => {
      await page.goto(base + '/login');
      await Promise.all([page.waitForLoadState('load'), page.click('#forgot-link')]);
      check(new URL(page.url()).pathname === '/login/forgot', `the forgot link opened ${page.url()}`);
      await page.fill('#username', name);
      await Promise.all([page.waitForLoadState('load'), page.click('#forgot-form button[type=submit]')]);
      return text(page, '.notice');
    };
    const unknown = await ask('nobody-' + cmd.username);
    const since = nowSec();
    const known = await ask(cmd.username);
    check(known && known === unknown, `an unknown and a known name must read alike: "${unknown}" vs "${known}" ${await text(page, '.error')}`);
    await shot(page, 'sent');
    const m = await mailTo(cmd.email, since);
    const found = /(https?:\/\/\S+\/login\/reset\?\S+)/.exec(m.body?.text || '');
    check(found && found[1].startsWith(base + '/login/reset?'), `the mail has no reset link to ${base}: ${m.body?.text}`);
    const link = found[1];
    check(!(m.subject || '').includes(new URL(link).searchParams.get('t')), 'the link belongs in the body only');
    await page.goto(link);
    check(new URL(page.url()).pathname === '/login/reset', `the link opened ${page.url()}: ${await text(page, '.error')}`);
    check((await page.$('#code')) !== null, 'an unrecognised browser is asked for a code');
    await shot(page, 'reset-form');
    const code = await codeFromMail(since);
    const fill = async (c, next, confirm) => {
      await page.fill('#code', c);
      await page.fill('#new', next);
      await page.fill('#confirm', confirm);
      await Promise.all([page.waitForLoadState('load'), page.click('#reset-form button[type=submit]')]);
    };
    await fill(code, cmd.newPassword, cmd.newPassword + 'x');
    check(/not the same/.test(await text(page, '.error')), `a mismatched confirmation: "${await text(page, '.error')}"`);
    await fill(code, cmd.newPassword, cmd.newPassword);
    check(new URL(page.url()).pathname === '/login', `after the reset: ${page.url()} ${await text(page, '.error')}`);
    check(/password was changed/.test(await text(page, '.notice')), `the login page should confirm the reset: "${await text(page, '.notice')}"`);
    await shot(page, 'reset-done');
    await page.goto(link);
    check(/expired|already used/.test(await text(page, '.error')), `the link a second time: "${await text(page, '.error')}"`);
    await logIn(page, cmd.username, cmd.newPassword);
    await expectHome(page, 'login with the new password');
  },

  // An admin with "Manage Users" resets another user's token from setup.
  async 'admin-reset'() {
    const { page } = await newPage();
    await logIn(page, cmd.username, cmd.password);
    await expectHome(page, 'admin login');
    await Promise.all([page.waitForLoadState('load'), page.click('#manage-users')]);
    check(new URL(page.url()).pathname === '/setup/users', 'the setup page should open');
    await shot(page, 'users');
    await Promise.all([page.waitForLoadState('load'), page.click(`tr[data-user="${cmd.target}"] a`)]);
    check((await text(page, '#user-username')) === cmd.target, `the user's page: ${page.url()} ${await text(page, '.error')}`);
    await Promise.all([page.waitForLoadState('load'), page.click('#reset-token')]);
    const notice = await text(page, '.notice');
    check((await text(page, '#user-username')) === cmd.target && /new security token/.test(notice), `after the reset: "${notice}" ${await text(page, '.error')}`);
    await shot(page, 'reset-done');
  },

  // A user without "Manage Users" (nor View Setup) sees no setup link, and
  // is refused there, the missing permission named.
  async 'not-admin'() {
    const { page } = await newPage();
    await logIn(page, cmd.username, cmd.password);
    await expectHome(page, 'login');
    check((await page.$('#manage-users')) === null, 'no setup link without Manage Users');
    const resp = await page.goto(base + '/setup/users');
    check(resp.status() === 403, `the setup page without a setup permission: ${resp.status()}`);
    check(/"View Setup"/.test(await text(page, '.error')), `the refusal should name the permission: "${await text(page, '.error')}"`);
    await shot(page, 'refused');
    // A forged form post to reset someone's token is refused too.
    await page.goto(base + '/');
    const r = await page.evaluate(async (target) => {
      const csrf = document.querySelector('input[name=csrf]').value;
      const r = await fetch('/setup/users/' + encodeURIComponent(target), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, do: 'reset-token' }) });
      return { status: r.status, body: await r.text() };
    }, cmd.target);
    check(r.status === 403 && r.body.includes('Manage Users'), `a reset post without Manage Users: ${r.status}`);
  },
};

// ---------------------------------------------------------------------------
// Session UI (issue 13, parts 4 to 6): the idle-timeout prompt on every
// signed-in page, "Remember me until logout", "Enable user switching".
// Driven from e2e/session_ui_test.go.
// ---------------------------------------------------------------------------

// sidCookie is the session cookie of a context, or undefined.
async function sidCookie(context) {
  return (await context.cookies()).find((c) => c.name === '__Host-sid');
}

// reopened is a new context holding only the persistent cookies of
// context: the browser closed and opened again.
async function reopened(context) {
  const kept = (await context.cookies()).filter((c) => c.expires !== -1);
  const next = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  await next.addCookies(kept);
  return { context: next, page: await next.newPage() };
}

// switchNames are the names the login page offers to switch to.
async function switchNames(page) {
  return page.$$eval('button[name=switch]', (bs) => bs.map((b) => b.value));
}

// The prompt opens shortly before the idle timeout (the browser's clock
// driven); Continue closes it.
async function promptAndContinue(page, idle, what) {
  check(parseInt(await page.getAttribute('body', 'data-idle-timeout'), 10) === idle, `${what}: no session timing on the page`);
  check(!(await page.isVisible('#timeout-dialog')), `${what}: no prompt at first`);
  await page.clock.fastForward((idle - 50) * 1000);
  await page.waitForSelector('#timeout-dialog', { state: 'visible' });
  await shot(page, `prompt-${what}`);
  const [refresh] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/session/refresh')), page.click('#timeout-continue')]);
  check(refresh.status() === 200, `${what}: Continue answered ${refresh.status()}`);
  await page.waitForSelector('#timeout-dialog', { state: 'hidden' });
}

Object.assign(scenarios, {
  // "Remember me until logout" on: a browser that has seen the org offers
  // it; ticked (through an emailed code), the session cookie is persistent
  // and a reopened browser is still signed in, until logout.
  async 'remember-on'() {
    const { context, page } = await newPage();
    await page.goto(base + '/login');
    check((await page.$('#remember')) === null, 'a browser that has seen no org offers no remember-me');
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    check((await sidCookie(context)).expires === -1, 'not ticked: a browser-session cookie');
    await logout(page);
    check(await page.isVisible('#remember'), 'after a login into an org offering it, the login page offers remember-me');
    await shot(page, 'offered');
    // Another user of the org, new to this browser: the code step follows.
    await logInAs(page, cmd.other, cmd.otherPassword, cmd.other, true);
    const sid = await sidCookie(context);
    const days = (sid.expires - Date.now() / 1000) / 86400;
    check(days > 29 && days <= 30 && sid.httpOnly && sid.secure, `ticked: a persistent session cookie for 30 days, not ${days}`);
    const again = await reopened(context);
    await again.page.goto(base + '/');
    check(new URL(again.page.url()).pathname === '/', `the reopened browser is not signed in: ${again.page.url()}`);
    check((await text(again.page, '#username')).toLowerCase() === cmd.other.toLowerCase(), 'the reopened browser has another user');
    await shot(again.page, 'reopened');
    await logout(again.page);
    const after = await reopened(context);
    await after.page.goto(base + '/');
    check(new URL(after.page.url()).pathname === '/login', 'after logout the remembered session must be over');
  },

  // Off: no checkbox, and a forged field gets a browser-session cookie.
  async 'remember-off'() {
    const { context, page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await logout(page);
    check((await page.$('#remember')) === null, 'an org without remember-me: no checkbox');
    await page.fill('#password', cmd.password);
    await page.evaluate(() => {
      const f = document.createElement('input');
      Object.assign(f, { type: 'hidden', name: 'remember', value: '1' });
      document.querySelector('#login-form').appendChild(f);
    });
    await Promise.all([page.waitForLoadState('load'), page.click('#login-form button[type=submit]')]);
    await expectHome(page, 'with a forged remember field');
    check((await sidCookie(context)).expires === -1, 'a forged remember field must give a browser-session cookie');
    const again = await reopened(context);
    await again.page.goto(base + '/');
    check(new URL(again.page.url()).pathname === '/login', 'a reopened browser is not signed in');
  },

  // User switching: both names offered after two logins; choosing one
  // fills it; forget takes one off. cmd.expect: "on", "off" or "no-caching".
  async 'user-switching'() {
    const { context, page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await logout(page);
    await logInAs(page, cmd.other, cmd.otherPassword, cmd.other, false);
    await logout(page);
    await shot(page, `login-${cmd.expect}`);
    const names = (await switchNames(page)).map((n) => n.toLowerCase());
    const kept = (await context.cookies()).find((c) => c.name === '__Host-lg_users');
    if (cmd.expect !== 'on') {
      check(names.length === 0, `${cmd.expect}: names offered ${names}`);
      check(!kept, `${cmd.expect}: the names must not be kept`);
      if (cmd.expect === 'no-caching') {
        check((await page.inputValue('#username')) === '', 'caching off: no name in the field');
        check((await page.getAttribute('#username', 'autocomplete')) === 'off', 'caching off: autocomplete off');
      }
      return;
    }
    check(names.length === 2 && names[0] === cmd.other.toLowerCase() && names[1] === cmd.username.toLowerCase(), `names offered: ${names}`);
    check(kept.httpOnly && kept.secure && kept.path === '/' && kept.expires !== -1, `the names cookie ${JSON.stringify(kept)}`);
    check((await page.inputValue('#username')).toLowerCase() === cmd.other.toLowerCase(), 'the last name is in the field');
    const choose = page.locator('button[name=switch]', { hasText: cmd.username });
    await Promise.all([page.waitForLoadState('load'), choose.click()]);
    check((await page.inputValue('#username')).toLowerCase() === cmd.username.toLowerCase(), `choosing a name fills it: ${await page.inputValue('#username')}`);
    await shot(page, 'switched');
    // Chosen, the password is all that is left to type.
    await page.fill('#password', cmd.password);
    await Promise.all([page.waitForLoadState('load'), page.click('#login-form button[type=submit]')]);
    await expectHome(page, 'after switching');
    await logout(page);
    await Promise.all([page.waitForLoadState('load'), page.click(`button[aria-label="Forget ${cmd.other}"]`)]);
    const left = (await switchNames(page)).map((n) => n.toLowerCase());
    check(left.length === 1 && left[0] === cmd.username.toLowerCase(), `after forgetting: ${left}`);
    await shot(page, 'forgot');
  },

  // The prompt on the settings, setup and step-up pages; unanswered, the
  // browser logs out at the timeout.
  async 'timeout-pages'() {
    const { page } = await newPage();
    await page.clock.install();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    const idle = cmd.timeoutSeconds;
    await page.goto(base + '/settings/password');
    await promptAndContinue(page, idle, 'password');
    await page.goto(base + '/setup/users');
    check(new URL(page.url()).pathname === '/setup/users', `the setup page: ${page.url()}`);
    await promptAndContinue(page, idle, 'setup-users');
    await page.goto(base + '/login/step-up?resource=reports');
    check((await page.$('#totp-secret')) !== null, 'the step-up page should ask to enrol');
    await promptAndContinue(page, idle, 'step-up');
    // Unanswered: logged out at the timeout.
    await page.clock.fastForward((idle - 50) * 1000);
    await page.waitForSelector('#timeout-dialog', { state: 'visible' });
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.clock.fastForward(60 * 1000)]);
    await page.waitForLoadState('load');
    check(/idle/.test(await text(page, '.notice')), `the login page should say why: "${await text(page, '.notice')}"`);
    await page.goto(base + '/settings/password');
    check(new URL(page.url()).pathname === '/login', 'the session must be over');
  },

  // Two tabs: Continue in one closes the prompt in the other; a logout in
  // one takes the other to the login page.
  async 'timeout-tabs'() {
    const { context, page } = await newPage();
    await page.clock.install();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    const other = await context.newPage();
    await other.goto(base + '/settings/password');
    await page.clock.fastForward((cmd.timeoutSeconds - 50) * 1000);
    await page.waitForSelector('#timeout-dialog', { state: 'visible' });
    await other.waitForSelector('#timeout-dialog', { state: 'visible' });
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/session/refresh')), page.click('#timeout-continue')]);
    await other.waitForSelector('#timeout-dialog', { state: 'hidden' });
    await Promise.all([other.waitForURL((u) => u.pathname === '/login'), logout(page)]);
    check(/logged out/.test(await text(other, '.notice')), `the other tab: "${await text(other, '.notice')}"`);
  },
});

await run(scenarios);
