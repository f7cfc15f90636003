// Drives an unmodified jsforce OAuth 2.0 username-password login against the
// local gateway, for the Go end-to-end tests. Input: one JSON object as
// argv[2]; output: one JSON object on stdout. Tokens never leave this process.
//
//   {"loginUrl":"http://127.0.0.1:3000", "clientId":"..", "clientSecret":"..", "username":"u", "password":"p"}
// login, identity(), logout (revokes the token), identity() again.
import jsforce from 'jsforce';

const cmd = JSON.parse(process.argv[2]);

function fail(err) {
  return { ok: false, code: err.name, message: err.message };
}

async function main() {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: cmd.loginUrl, clientId: cmd.clientId, clientSecret: cmd.clientSecret, redirectUri: cmd.loginUrl + '/callback' },
  });
  const out = {};
  try {
    const info = await conn.login(cmd.username, cmd.password);
    out.login = { ok: true, userId: info.id, organizationId: info.organizationId, url: info.url, instanceUrl: conn.instanceUrl };
  } catch (err) {
    out.login = fail(err);
    return out;
  }
  try {
    const id = await conn.identity();
    out.identity = { ok: true, user_id: id.user_id, organization_id: id.organization_id, username: id.username, email: id.email, display_name: id.display_name };
  } catch (err) {
    out.identity = fail(err);
  }
  const token = conn.accessToken;
  try {
    await conn.logout();
    out.revoke = { ok: true };
  } catch (err) {
    out.revoke = fail(err);
  }
  const again = new jsforce.Connection({ instanceUrl: cmd.loginUrl, accessToken: token });
  again.userInfo = { url: out.login.url };
  try {
    await again.identity();
    out.identityAfterRevoke = { ok: true };
  } catch (err) {
    out.identityAfterRevoke = fail(err);
  }
  return out;
}

main().then(
  (out) => { process.stdout.write(JSON.stringify(out)); },
  (err) => { process.stdout.write(JSON.stringify({ login: { ok: false, code: 'HARNESS_ERROR', message: String(err && err.stack || err) } })); process.exitCode = 1; },
);
