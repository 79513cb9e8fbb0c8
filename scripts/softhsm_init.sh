#!/usr/bin/env bash
# Creates the SoftHSM2 token the keystore's PKCS#11 tests use, once per machine.
set -euo pipefail
TOKEN_DIR=${SOFTHSM2_TOKEN_DIR:-/var/lib/softhsm/tokens}
LABEL=${ENSTREAM_PKCS11_TOKEN:-enstream-test}
PIN=${ENSTREAM_PKCS11_TEST_PIN:-123456}
mkdir -p "$TOKEN_DIR"
if ! softhsm2-util --show-slots 2>/dev/null | grep -q "Label:.*${LABEL}\b"; then
  softhsm2-util --init-token --free --label "$LABEL" --so-pin 12345678 --pin "$PIN" >/dev/null
  echo "services: SoftHSM2 token ${LABEL} created"
fi
