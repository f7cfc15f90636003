// Drives an unmodified jsforce against the local gateway, for the Go
// end-to-end tests. Input: one JSON object as argv[2]; output: one JSON
// object on stdout. Session ids never leave this process; the test only
// learns whether each step worked and the error jsforce raised.
//
//   {"op":"login", "loginUrl":"http://127.0.0.1:3000", "username":"u", "password":"p"}
//   {"op":"login-logout", ...}   login, logout, then logout again with the ended session
import jsforce from 'jsforce';

const cmd = JSON.parse(process.argv[2]);

// jsforce raises Error(faultstring); the fault code is the part before ':'.
function fail(err) {
  const m = /^([A-Z_]+): /.exec(err.message || '');
  return { ok: false, code: m ? m[1] : '', message: err.message };
}

async function login() {
  const conn = new jsforce.Connection({ loginUrl: cmd.loginUrl, version: cmd.version || '50.0' });
  try {
    const info = await conn.login(cmd.username, cmd.password);
    return {
      conn,
      out: {
        ok: true,
        userId: info.id,
        organizationId: info.organizationId,
        url: info.url,
        instanceUrl: conn.instanceUrl,
        sessionIdShape: /^[0-9A-Za-z]{15}![A-Za-z0-9_-]{32,}$/.test(conn.accessToken),
        sessionOrgPrefix: conn.accessToken.slice(0, 15),
        userInfo: conn.userInfo,
      },
    };
  } catch (err) {
    return { conn, out: fail(err) };
  }
}

async function main() {
  const { conn, out } = await login();
  if (cmd.op === 'login' || !out.ok) return out;
  if (cmd.op === 'login-logout') {
    const serverUrl = conn.instanceUrl;
    const sessionId = conn.accessToken;
    try {
      await conn.logout();
      out.logout = { ok: true };
    } catch (err) {
      out.logout = fail(err);
    }
    const again = new jsforce.Connection({ serverUrl, sessionId, version: cmd.version || '50.0' });
    try {
      await again.logout();
      out.logoutAgain = { ok: true };
    } catch (err) {
      out.logoutAgain = fail(err);
    }
    return out;
  }
  throw new Error(`unknown op ${cmd.op}`);
}

main().then(
  (out) => { process.stdout.write(JSON.stringify(out)); },
  (err) => { process.stdout.write(JSON.stringify({ ok: false, code: 'HARNESS_ERROR', message: String(err && err.stack || err) })); process.exitCode = 1; },
);
