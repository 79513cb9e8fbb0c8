"""Entry point of ``python -m provisioning.gp``."""

from provisioning.gp.cli import main

raise SystemExit(main())
