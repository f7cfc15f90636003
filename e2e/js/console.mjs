// Drives Debian's headless Chromium through the console (/setup/...) for
// the Go end-to-end tests (e2e/console_test.go). The harness is pages.mjs;
// each console-*.mjs holds the scenarios of some of the pages.
import { run } from './pages.mjs';
import settings from './console-settings.mjs';
import history from './console-history.mjs';
import security from './console-security.mjs';
import users from './console-users.mjs';
import why from './console-why.mjs';

await run({ ...settings, ...security, ...users, ...history, ...why });
