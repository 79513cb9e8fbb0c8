#!/usr/bin/env bash
# Creates the SoftHSM2 token the keystore's PKCS#11 tests use (once per machine; idempotent).
#
# The tests find it as token ENSTREAM_PKCS11_TEST_TOKEN (default enstream-test) with user PIN
# ENSTREAM_PKCS11_TEST_PIN (default 123456). A test token only: never point production at it.
# When SoftHSM2's default token directory is not writable (not root) the token goes under
# var/softhsm/ with its own config, which tests/keystore/conftest.py picks up by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

LABEL=${ENSTREAM_PKCS11_TEST_TOKEN:-enstream-test}
PIN=${ENSTREAM_PKCS11_TEST_PIN:-123456}
SO_PIN=${ENSTREAM_PKCS11_TEST_SO_PIN:-12345678}

if ! command -v softhsm2-util >/dev/null; then
  echo "softhsm: softhsm2-util not found (apt-get install softhsm2)" >&2
  exit 1
fi

if [ -z "${SOFTHSM2_CONF:-}" ]; then
  default_dir=$(sed -n 's/^ *directories.tokendir *= *//p' /etc/softhsm/softhsm2.conf 2>/dev/null || true)
  if [ -z "$default_dir" ] || ! { mkdir -p "$default_dir" 2>/dev/null && [ -w "$default_dir" ]; }; then
    local_dir="$PWD/var/softhsm"
    mkdir -p "$local_dir/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
      "$local_dir" >"$local_dir/softhsm2.conf"
    export SOFTHSM2_CONF="$local_dir/softhsm2.conf"
    echo "softhsm: using $SOFTHSM2_CONF"
  fi
fi

# Labels are padded with spaces in the listing: match the whole label, not a prefix of another.
if softhsm2-util --show-slots 2>/dev/null | grep -Eq "^ *Label: +${LABEL} *$"; then
  echo "softhsm: token ${LABEL} ready"
else
  softhsm2-util --init-token --free --label "$LABEL" --so-pin "$SO_PIN" --pin "$PIN" >/dev/null
  echo "softhsm: token ${LABEL} created"
fi
