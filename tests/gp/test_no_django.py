"""The GlobalPlatform engine is pure Python: importing it pulls in no Django."""

import subprocess
import sys


def test_importing_the_engine_imports_no_django():
    code = (
        "import os, sys\n"
        "os.environ.pop('DJANGO_SETTINGS_MODULE', None)\n"
        "import provisioning.gp\n"
        "from provisioning.gp import KeySet, SecurityLevel, open_secure_channel, GPError\n"
        "import provisioning.gp.card_sm, provisioning.gp.offline\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
