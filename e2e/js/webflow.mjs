// The OAuth web-server flow from two real clients, for the Go end-to-end
// tests: openid-client (discovery, PKCE, the id_token checked against the
// JWKS, userinfo, refresh, revocation) and jsforce's OAuth2
// (getAuthorizationUrl, authorize/requestToken with its verifier,
// refreshToken, revokeToken). Headless Chromium logs in on our page and
// approves the app; the callback is caught in the browser (nothing listens
// on it). Input: one JSON object as argv[2]:
//   {"client":"openid-client"|"jsforce", "baseUrl", "clientId", "clientSecret", "redirectUri",
//    "username", "password", "chromium"}
// Output: one JSON object on stdout. Tokens never leave this process.
import * as oidc from 'openid-client';
import jsforce from 'jsforce';
import { launchChromium } from './chromium.mjs';

const cmd = JSON.parse(process.argv[2]);
const out = { ok: true, steps: [] };
const step = (name, v) => out.steps.push(v === undefined ? name : `${name}: ${v}`);

// browse goes to url, logs in, approves, and returns the callback URL
// the browser was sent back to.
async function browse(url) {
  const browser = await launchChromium(cmd.chromium);
  try {
    const page = await (await browser.newContext()).newPage();
    let back;
    const callback = new URL(cmd.redirectUri);
    await page.route(`${callback.origin}/**`, (route) => {
      back = route.request().url();
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'back in the app' });
    });
    await page.goto(url.toString());
    await page.fill('#username', cmd.username);
    await page.fill('#password', cmd.password);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    if (await page.$('#approve-form')) {
      step('approval page');
      await page.click('#allow');
    }
    for (let i = 0; i < 100 && !back; i++) await new Promise((r) => setTimeout(r, 100));
    if (!back) throw new Error(`never sent back to the app; at ${page.url()}: ${await page.innerText('body')}`);
    return new URL(back);
  } finally {
    await browser.close();
  }
}

async function viaOpenIDClient() {
  const config = await oidc.discovery(new URL(cmd.baseUrl), cmd.clientId, cmd.clientSecret, undefined,
    { execute: [oidc.allowInsecureRequests] });
  step('discovery', config.serverMetadata().issuer);
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: cmd.redirectUri, scope: 'openid api refresh_token profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce, state,
  });
  const back = await browse(url);
  // Checks the state, redeems the code with the verifier, and validates
  // the id_token: signature against the JWKS, iss, aud, exp, iat, nonce.
  const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
  const claims = tokens.claims();
  out.claims = { sub: claims.sub, aud: claims.aud, iss: claims.iss, preferred_username: claims.preferred_username, email: claims.email, hasAtHash: !!claims.at_hash, hasNonce: claims.nonce === nonce };
  out.scope = tokens.scope;
  out.hasRefresh = !!tokens.refresh_token;
  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  out.userinfo = { sub: info.sub, preferred_username: info.preferred_username, email: info.email };
  const again = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  out.refreshed = !!again.access_token && again.access_token !== tokens.access_token;
  out.refreshedIDToken = !!again.id_token;
  await oidc.tokenRevocation(config, tokens.refresh_token);
  try {
    await oidc.refreshTokenGrant(config, tokens.refresh_token);
    out.afterRevoke = 'refreshed';
  } catch (e) {
    out.afterRevoke = e.error || e.code || String(e);
  }
}

async function viaJsforce() {
  const oauth2 = new jsforce.OAuth2({ loginUrl: cmd.baseUrl, clientId: cmd.clientId, clientSecret: cmd.clientSecret,
    redirectUri: cmd.redirectUri, useVerifier: true });
  const url = oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state: 'jsforce-state' });
  step('authorization url has a challenge', /code_challenge=/.test(url));
  const back = await browse(url);
  if (back.searchParams.get('state') !== 'jsforce-state') throw new Error(`state ${back.searchParams.get('state')}`);
  const conn = new jsforce.Connection({ oauth2 });
  const info = await conn.authorize(back.searchParams.get('code')); // requestToken with the verifier
  out.userId = info.id;
  out.organizationId = info.organizationId;
  out.instanceUrl = conn.instanceUrl;
  const identity = await conn.identity();
  out.username = identity.username;
  const refreshed = await oauth2.refreshToken(conn.refreshToken);
  out.refreshed = !!refreshed.access_token && refreshed.access_token !== conn.accessToken;
  await oauth2.revokeToken(conn.refreshToken);
  try {
    await oauth2.refreshToken(conn.refreshToken);
    out.afterRevoke = 'refreshed';
  } catch (e) {
    out.afterRevoke = e.name || String(e);
  }
}

try {
  if (cmd.client === 'openid-client') await viaOpenIDClient();
  else await viaJsforce();
} catch (e) {
  out.ok = false;
  out.error = String(e.stack || e) + (e.cause ? ' cause: ' + JSON.stringify(e.cause) : '');
}
process.stdout.write(JSON.stringify(out) + '\n');
