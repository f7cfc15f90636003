#!/bin/sh
# $BROWSER for `sf org login web`: the CLI waits for this to exit before it
# listens on its callback, so the browser runs on in the background.
nohup node "$(dirname "$0")/sf-browser.mjs" "$1" >"${SF_E2E_OUT}.log" 2>&1 &
exit 0
