#!/usr/bin/env bash
# make run: the whole service on this machine, no Docker. DynamoDB (dynalite)
# and SES (aws-ses-v2-local) stand-ins from npm, every function of
# template.yaml behind the local gateway on 127.0.0.1:3000, a demo org and
# user on first start. State lives in .data/ across restarts. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."

API_PORT=${API_PORT:-3000}
DYNAMODB_PORT=${DYNAMODB_PORT:-8000}
SES_PORT=${SES_PORT:-8005}
DATA_DIR=${DATA_DIR:-.data}
DEMO_USER=${DEMO_USER:-demo@loginguard.example}
DEMO_PASSWORD=${DEMO_PASSWORD:-Tidal-Lantern-Orbit-42}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$API_PORT:the local API (API_PORT)" "$DYNAMODB_PORT:DynamoDB stand-in (DYNAMODB_PORT)" "$SES_PORT:SES stand-in (SES_PORT)"; do
  if port_busy "${p%%:*}"; then
    echo "make run: port ${p%%:*} for ${p#*:} is already in use on 127.0.0.1." >&2
    echo "Stop the other process, or choose another port, e.g. API_PORT=3001 make run" >&2
    exit 1
  fi
done

mkdir -p "$DATA_DIR/logs"
pids=()
cleanup() {
  trap - EXIT INT TERM
  rm -f "$DATA_DIR/stack.env"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap cleanup EXIT INT TERM

wait_port() {
  for _ in $(seq 1 100); do port_busy "$1" && return 0; sleep 0.1; done
  echo "make run: $2 did not start; see $DATA_DIR/logs/" >&2; exit 1
}

set -m
node_modules/.bin/dynalite --host 127.0.0.1 --port "$DYNAMODB_PORT" --createTableMs 0 --path "$DATA_DIR/dynamodb" >"$DATA_DIR/logs/dynalite.log" 2>&1 &
pids+=($!)
node_modules/.bin/aws-ses-v2-local --host 127.0.0.1 --port "$SES_PORT" >"$DATA_DIR/logs/ses.log" 2>&1 &
pids+=($!)
wait_port "$DYNAMODB_PORT" "dynalite"
wait_port "$SES_PORT" "aws-ses-v2-local"

export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$SES_PORT"
export SENDER_ADDRESS=${SENDER_ADDRESS:-no-reply@example.com}

# ---- KMS: local-kms holds the key that wraps the TOTP keyring's data keys ----
# ---- and the RSA key that signs OpenID Connect id_tokens ----
# Their ids and key material are made once and kept with the data (a seed
# file), so the keys, every TOTP key sealed under the first and the key set
# published for the second, survive restarts.
KMS_PORT=${KMS_PORT:-8006}
if port_busy "$KMS_PORT"; then
  echo "make run: port $KMS_PORT for the KMS stand-in (KMS_PORT) is already in use on 127.0.0.1." >&2
  exit 1
fi
mkdir -p "$DATA_DIR/kms"
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
key_id() { local id; id=$(hex 16); echo "${id:0:8}-${id:8:4}-4${id:13:3}-a${id:17:3}-${id:20:12}"; }
if [ ! -s "$DATA_DIR/kms/seed.yaml" ]; then
  (umask 077; printf 'Keys:\n  Symmetric:\n    Aes:\n      - Metadata:\n          KeyId: %s\n          Description: loginguard keyring key (local)\n        BackingKeys:\n          - %s\n' \
    "$(key_id)" "$(hex 32)" > "$DATA_DIR/kms/seed.yaml")
fi
# The id_token key is added to a seed file from before it (after the AES key).
if ! grep -q '^  Asymmetric:' "$DATA_DIR/kms/seed.yaml"; then
  if ! pem=$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null); then
    echo "make run: openssl is needed to make the local id_token key (an RSA key for local-kms)." >&2
    exit 1
  fi
  (umask 077; { printf '  Asymmetric:\n    Rsa:\n      - Metadata:\n          KeyId: %s\n          KeyUsage: SIGN_VERIFY\n          Description: loginguard id_token key (local)\n        PrivateKeyPem: |\n' "$(key_id)"
    printf '%s\n' "$pem" | sed 's/^/          /'; } >> "$DATA_DIR/kms/seed.yaml")
  unset pem
fi
# The history digest key (ECC P-256) is added to a seed file from before it (after the RSA key).
if ! grep -q '^    Ecc:' "$DATA_DIR/kms/seed.yaml"; then
  if ! pem=$(openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null); then
    echo "make run: openssl is needed to make the local history digest key (an ECC key for local-kms)." >&2
    exit 1
  fi
  (umask 077; { printf '    Ecc:\n      - Metadata:\n          KeyId: %s\n          KeyUsage: SIGN_VERIFY\n          Description: loginguard history digest key (local)\n        PrivateKeyPem: |\n' "$(key_id)"
    printf '%s\n' "$pem" | sed 's/^/          /'; } >> "$DATA_DIR/kms/seed.yaml")
  unset pem
fi
# The AES key's id comes first in the file, the RSA key's second, the ECC key's third.
KMS_KEY_ID=$(sed -n 's/^ *KeyId: *//p' "$DATA_DIR/kms/seed.yaml" | sed -n 1p)
ID_TOKEN_KEY_ID=$(sed -n 's/^ *KeyId: *//p' "$DATA_DIR/kms/seed.yaml" | sed -n 2p)
DIGEST_KEY_ID=$(sed -n 's/^ *KeyId: *//p' "$DATA_DIR/kms/seed.yaml" | sed -n 3p)
# local-kms listens on every interface (it has no host setting); ARNs use the local account and region.
PORT="$KMS_PORT" KMS_DATA_PATH="$DATA_DIR/kms/data" KMS_SEED_PATH="$DATA_DIR/kms/seed.yaml" \
  KMS_ACCOUNT_ID=000000000000 KMS_REGION=us-east-1 .build/local-kms >"$DATA_DIR/logs/kms.log" 2>&1 &
pids+=($!)
wait_port "$KMS_PORT" "local-kms"
export AWS_ENDPOINT_URL_KMS="http://127.0.0.1:$KMS_PORT"
export KEYRING_KMS_KEY="arn:aws:kms:us-east-1:000000000000:key/$KMS_KEY_ID"
# lgadmin history public-key and verify read the digest key.
export HISTORY_DIGEST_KMS_KEY="arn:aws:kms:us-east-1:000000000000:key/$DIGEST_KEY_ID"
# The template's keys as local-kms's, for local serve and make invoke.
export LOCAL_KMS_KEYS="--kms-key KeyringKey=$KMS_KEY_ID --kms-key IdTokenKey=$ID_TOKEN_KEY_ID --kms-key HistoryDigestKey=$DIGEST_KEY_ID"
# TOTP keys sealed before the keyring (the first format) open with the old
# key, if this data folder has one; nothing new is sealed with it.
legacy_totp=()
if [ -s "$DATA_DIR/totp.key" ]; then
  TOTP_ENCRYPTION_KEY=$(cat "$DATA_DIR/totp.key")
  export TOTP_ENCRYPTION_KEY
  legacy_totp=(--parameter-overrides "TotpEncryptionKey=$TOTP_ENCRYPTION_KEY")
fi
# ---- end of KMS ----

.build/local create-tables --template template.yaml >/dev/null
demo=$(printf '%s\n' "$DEMO_PASSWORD" | .build/lgadmin demo --username "$DEMO_USER" --email "$DEMO_USER" --password-stdin --json)
org=$(printf '%s' "$demo" | sed -n 's/.*"orgId": "\([^"]*\)".*/\1/p')

.build/local serve --template template.yaml --build-dir .build --addr "127.0.0.1:$API_PORT" \
  --parameter-overrides "SenderAddress=$SENDER_ADDRESS" $LOCAL_KMS_KEYS "${legacy_totp[@]}" \
  >"$DATA_DIR/logs/api.log" 2>&1 &
pids+=($!)
wait_port "$API_PORT" "the local API"
set +m

# make admin runs lgadmin with this file: what this stack gave its functions
# (endpoints, region, dummy credentials, sender, sealing key), not the
# caller's own AWS settings, and the login page's origin (reset links). It
# exists only while the stack runs.
export LOGIN_URL="http://127.0.0.1:$API_PORT"
(umask 077; export -p | grep -E '^declare -x (AWS_ENDPOINT_URL_[A-Z0-9_]+|AWS_REGION|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|SENDER_ADDRESS|TOTP_[A-Z0-9_]+|KMS_[A-Z0-9_]+|KEYRING_KMS_KEY|HISTORY_DIGEST_KMS_KEY|LOCAL_KMS_KEYS|LOGIN_URL)=' >"$DATA_DIR/stack.env")
admin="make admin"
[ "$DATA_DIR" = .data ] || admin="DATA_DIR=$DATA_DIR make admin"

cat <<INFO

  loginguard is running (logs in $DATA_DIR/logs/, state in $DATA_DIR/).

  browser login    http://127.0.0.1:$API_PORT/login
                   (a browser new to the demo user gets a verification code by
                   mail, except on the user's very first login)
  SOAP login URL   http://127.0.0.1:$API_PORT/services/Soap/u/50.0
  OpenID Connect   http://127.0.0.1:$API_PORT/.well-known/openid-configuration  (keys: /id/keys)
  demo org         $org
  demo user        $DEMO_USER
  demo password    $DEMO_PASSWORD
  mail             http://127.0.0.1:$SES_PORT/  (SES stand-in's page: security tokens, verification codes)
  security token   in the newest token mail on that page: every start mails the demo user a new one
                   (the stand-in keeps no mail across restarts; the previous token stops working)
                   append it to the password: '$DEMO_PASSWORD<token>'

  jsforce:  new jsforce.Connection({loginUrl: 'http://127.0.0.1:$API_PORT'}).login('$DEMO_USER', password + token)
  admin:    $admin ARGS="user show $DEMO_USER"   (any lgadmin command, against this stack)
  digests:  the history digest function runs every hour (DigestFunction); now: make invoke FN=DigestFunction EVENT=events/digest/scheduled.json
            then $admin ARGS="history verify --org $org --since 24h"

  Ctrl-C stops everything.
INFO
# Stop everything as soon as any part stops (or on Ctrl-C, through the trap).
wait -n "${pids[@]}" || true
echo "make run: a part stopped; see $DATA_DIR/logs/" >&2
