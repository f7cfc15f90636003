// Reads the REST API's identity resources with an unmodified jsforce, as
// the Salesforce CLI does after logging in, for the Go end-to-end tests.
// Input: one JSON object as argv[2]; output: one JSON object on stdout.
// The token never leaves this process.
//
//   {"loginUrl":"http://127.0.0.1:3000", "clientId":"..", "clientSecret":"..", "username":"u", "password":"p",
//    "version":"62.0", "trailingSlash":true, "otherUserId":"005..."}
// OAuth login, then on a connection to the instance URL (with a "/" at its
// end when trailingSlash, so every path jsforce asks starts with "//"):
// the versions, the version's resources, the own and another user's User
// record, and the CLI's two queries.
import jsforce from 'jsforce';

const cmd = JSON.parse(process.argv[2]);

function fail(err) {
  return { ok: false, code: err.errorCode || err.name, message: err.message };
}

async function attempt(f) {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    return fail(err);
  }
}

async function main() {
  const login = new jsforce.Connection({
    oauth2: { loginUrl: cmd.loginUrl, clientId: cmd.clientId, clientSecret: cmd.clientSecret, redirectUri: cmd.loginUrl + '/callback' },
  });
  const out = {};
  try {
    const info = await login.login(cmd.username, cmd.password);
    out.login = { ok: true, userId: info.id, organizationId: info.organizationId };
  } catch (err) {
    out.login = fail(err);
    return out;
  }
  const conn = new jsforce.Connection({
    instanceUrl: login.instanceUrl + (cmd.trailingSlash ? '/' : ''),
    accessToken: login.accessToken,
    version: cmd.version,
  });
  out.versions = await attempt(() => conn.request('/services/data'));
  out.resources = await attempt(() => conn.request(`/services/data/v${cmd.version}`));
  out.self = await attempt(() => conn.sobject('User').retrieve(out.login.userId));
  out.other = await attempt(() => conn.sobject('User').retrieve(cmd.otherUserId));
  out.scratchOrgInfo = await attempt(() => conn.query('SELECT Id FROM ScratchOrgInfo limit 1'));
  out.organization = await attempt(() => conn.query('SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization'));
  out.other_query = await attempt(() => conn.query('SELECT Id FROM Account'));
  return out;
}

main().then(
  (out) => { process.stdout.write(JSON.stringify(out)); },
  (err) => { process.stdout.write(JSON.stringify({ login: { ok: false, code: 'HARNESS_ERROR', message: String(err && err.stack || err) } })); process.exitCode = 1; },
);
