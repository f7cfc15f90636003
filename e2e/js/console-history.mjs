// Console scenarios of Login History and Connected Apps
// (e2e/console_history_test.go).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { base, cmd, check, newPage, shot, text, logInAs, submit, forge } from './pages.mjs';

// lines are the history table's lines, as shown.
async function lines(page) {
  return page.$$eval('#history-table tbody tr.lh-line', (trs) => trs.map((tr) => ({
    user: tr.dataset.user, status: tr.dataset.status, type: tr.dataset.type,
    time: tr.querySelector('.lh-time').textContent.trim(),
  })));
}

// bars are the chart's hours, as drawn.
async function bars(page) {
  return page.$$eval('#lh-svg g.lh-bar', (gs) => gs.map((g) => ({
    hour: g.dataset.hour, start: g.dataset.start, success: Number(g.dataset.success), failed: Number(g.dataset.failed),
    rects: g.querySelectorAll('rect').length,
  })));
}

// download clicks sel and returns the file's text (playwright's download event).
async function download(page, sel) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
  check(d.suggestedFilename().endsWith('.csv'), `the download is named ${d.suggestedFilename()}`);
  return readFileSync(await d.path(), 'utf8');
}

const csvHeader = 'Login Time,Username,Login Type,Source IP,Status,Application/Client,API Version,Reason';

export default {
  // After real logins (bob: 3 SOAP successes, 2 failures; the admin: 6
  // SOAP and this browser's): the lines listed in the admin's zone, the
  // chart, the download, the filters (failed only, one user), the pages.
  async 'login-history'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/login-history');
    const all = await lines(page);
    check(all.length >= cmd.apiLines + 1, `${all.length} lines listed, want the ${cmd.apiLines} API logins and this browser's`);
    const bobs = all.filter((l) => l.user === cmd.bob);
    check(bobs.length === 5 && bobs.filter((l) => l.status === 'Failed').length === 2, `bob's lines: ${JSON.stringify(bobs)}`);
    check(all.every((l) => l.time.endsWith('IST')), `times should be in the admin's zone (Asia/Kolkata): ${all[0].time}`);
    check(all.some((l) => l.type === 'UI' && l.user.toLowerCase() === cmd.username.toLowerCase()), 'this browser login should be listed');
    await shot(page, 'history');

    const drawn = await bars(page);
    check(drawn.length === 24, `the chart has ${drawn.length} bars`);
    const counted = drawn.reduce((n, b) => n + b.success + b.failed, 0);
    check(counted === all.length, `the chart counts ${counted} logins, the page lists ${all.length}`);
    const failures = all.filter((l) => l.status === 'Failed').length;
    check(drawn.reduce((n, b) => n + b.failed, 0) === failures, `the chart should count the ${failures} failures (bob's two, this browser's code asked)`);
    check(drawn.every((b) => b.rects === (b.success > 0) + (b.failed > 0)), 'each bar draws one rectangle per outcome it has');
    const desc = await page.$eval('#lh-chart-desc', (d) => d.textContent);
    check(desc.includes('failed'), `the chart's description: "${desc}"`);
    mkdirSync(cmd.artifacts, { recursive: true });
    await page.locator('#history-chart').screenshot({ path: join(cmd.artifacts, `${cmd.scenario}-chart.png`) });

    const csv = await download(page, '#lh-download');
    check(csv.startsWith(csvHeader + '\n'), `the download's header: ${csv.split('\n')[0]}`);
    const direct = await page.request.get(base + '/setup/login-history?format=csv');
    check(direct.status() === 200 && direct.headers()['content-type'].startsWith('text/csv'), `the download's type: ${direct.headers()['content-type']}`);
    check(/^attachment; filename="login-history-.+\.csv"$/.test(direct.headers()['content-disposition'] || ''), `disposition: ${direct.headers()['content-disposition']}`);

    await page.selectOption('#lh-outcome', 'failed');
    await submit(page, '#lh-apply');
    check(new URL(page.url()).searchParams.get('outcome') === 'failed', `the filter is a GET form: ${page.url()}`);
    const failed = await lines(page);
    check(failed.length === failures && failed.every((l) => l.status === 'Failed'), `failed only: ${JSON.stringify(failed)}`);
    await shot(page, 'failed-only');

    await page.fill('#lh-user', cmd.bob);
    await page.selectOption('#lh-outcome', '');
    await submit(page, '#lh-apply');
    const one = await lines(page);
    check(one.length === 5 && one.every((l) => l.user === cmd.bob), `one user: ${JSON.stringify(one)}`);
    await page.selectOption('#lh-outcome', 'failed');
    await submit(page, '#lh-apply');
    check((await lines(page)).length === 2, 'one user, failed only: two lines');
    const filtered = await download(page, '#lh-download');
    check(filtered.split('\n').filter((l) => l !== '').length === 3, `the filtered download:\n${filtered}`);
    await shot(page, 'one-user-failed');

    await page.fill('#lh-user', 'nobody@e2e.example');
    await submit(page, '#lh-apply');
    check((await text(page, '.error')).includes('No user is named "nobody@e2e.example"'), `an unknown user: "${await text(page, '.error')}"`);

    await submit(page, '#lh-clear');
    await page.fill('#lh-to', '2020-01-01T00:00');
    await submit(page, '#lh-apply');
    check((await page.$('#lh-empty')) !== null, 'nothing logged in before 2020');

    await submit(page, '#lh-clear');
    await page.selectOption('#lh-limit', '10');
    await submit(page, '#lh-apply');
    const first = await lines(page);
    check(first.length === 10, `page 1 of 10: ${first.length} lines`);
    const next = await page.getAttribute('#lh-next', 'href');
    check(next && new URL(next, base).searchParams.get('cursor') && new URL(next, base).searchParams.get('limit') === '10', `the next page's link: ${next}`);
    await submit(page, '#lh-next');
    const second = await lines(page);
    check(JSON.stringify([...first, ...second]) === JSON.stringify(all), `pages 1 and 2 should be the whole history in order:\n${JSON.stringify([...first, ...second])}\n${JSON.stringify(all)}`);
    check((await page.$('#lh-next')) === null, 'the last page has no next page');
    check((await page.$('#lh-newest')) !== null, 'a later page links to the newest lines');
    await shot(page, 'next-page');

    writeFileSync(join(cmd.artifacts, 'login-history-result.json'), JSON.stringify({ csv, filtered, bars: drawn }));
  },

  // Create (a refusal first, with its rule; then the secret shown once,
  // on the form's answer), use it (an OAuth login), list, delete (the
  // app's session ended and counted).
  async 'connected-apps'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/apps');
    check((await page.$('#apps-empty')) !== null, 'a new org has no apps');
    await shot(page, 'empty');

    await page.fill('#app-name', 'Data Loader E2E');
    await page.selectOption('#app-refresh', 'expire');
    let resp = await submit(page, '#create-app');
    const refusal = await text(page, '.error');
    check(resp.status() === 400 && refusal.includes('lifetime'), `expire without a lifetime: ${resp.status()} "${refusal}"`);
    check((await page.inputValue('#app-name')) === 'Data Loader E2E', 'the refused form keeps its input');
    await shot(page, 'refused');

    await page.fill('#app-callbacks', 'https://app.example/callback');
    await page.fill('#app-refresh-ttl', '720h');
    await page.uncheck('#scope-web');
    resp = await submit(page, '#create-app');
    check(resp.status() === 200, `create: ${resp.status()} ${await text(page, '.error')}`);
    const secret = await text(page, '#created-client-secret');
    const id = await text(page, '#created-client-id');
    check(secret.length >= 32 && id.length > 0, `the new app's id "${id}" and secret (${secret.length} characters)`);
    check(!page.url().includes(secret) && new URL(page.url()).pathname === '/setup/apps' && new URL(page.url()).search === '', `the secret's page: ${page.url()}`);
    const row = `tr.ca-app[data-client-id="${id}"]`;
    check((await text(page, `${row} .ca-kind`)) === 'Confidential', 'listed as confidential');
    check((await text(page, `${row} .ca-callbacks`)) === 'https://app.example/callback', 'its callback listed');
    check(!(await text(page, `${row} .ca-scopes`)).split(' ').includes('web'), 'the unticked scope is not granted');
    check((await text(page, row)).includes('Expire after 720h0m0s'), 'its refresh policy listed');
    await shot(page, 'created');

    await page.goto(base + '/setup/apps');
    check(!(await page.content()).includes(secret) && (await page.$('#app-created')) === null, 'the secret is shown only once');
    check((await page.$(row)) !== null, 'the app is listed');
    await shot(page, 'listed');

    const login = await fetch(base + '/services/oauth2/token', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: id, client_secret: secret, username: cmd.username, password: cmd.password + cmd.token }),
    });
    const grant = await login.json();
    check(login.status === 200 && grant.access_token, `an OAuth login through the new app: ${login.status} ${JSON.stringify(grant.error)}`);

    resp = await submit(page, `${row} .ca-delete button`);
    const notice = await text(page, '.notice');
    check(notice === 'The app was deleted; 1 session it had opened ended.', `after the delete: "${notice}" ${await text(page, '.error')}`);
    check((await page.$(row)) === null && (await page.$('#apps-empty')) !== null, 'the deleted app is gone from the list');
    const after = await fetch(base + '/services/oauth2/userinfo', { headers: { authorization: 'Bearer ' + grant.access_token } });
    check(after.status === 401 || after.status === 403, `the app's session after the delete: ${after.status}`);
    await shot(page, 'deleted');
  },

  // View Setup only: the apps listed without forms, the history read; a
  // forged delete and a forged create are refused, naming the permission.
  async 'apps-read-only'() {
    const { page } = await newPage();
    await logInAs(page, cmd.username, cmd.password, cmd.email, false);
    await page.goto(base + '/setup/apps');
    check((await page.$('#read-only')) !== null, 'a View Setup admin should be told the page is read-only');
    check((await page.$('#app-form')) === null && (await page.$('.ca-delete')) === null, 'no create or delete forms without the permission');
    check((await page.$(`tr.ca-app[data-client-id="${cmd.clientId}"]`)) !== null, 'the org\'s app is listed');
    await shot(page, 'apps');

    const history = await page.goto(base + '/setup/login-history');
    check(history.status() === 200 && (await lines(page)).length >= 1, `View Setup reads the history: ${history.status()}`);
    await shot(page, 'history');

    for (const [action, fields] of [['/setup/apps', { delete: cmd.clientId }], ['/setup/apps', { name: 'Forged', scope: 'api' }]]) {
      await page.goto(base + '/setup/apps');
      const resp = await forge(page, action, fields);
      const err = await text(page, '.error');
      check(resp.status() === 403 && err.includes('"Customize Application"'), `a forged POST ${action}: ${resp.status()} "${err}"`);
    }
    await shot(page, 'forged-refused');
  },
};
