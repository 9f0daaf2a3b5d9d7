"""Imported first by the scripts run by hand (statements.py, profile.py): this checkout's pip_app,
not the one the virtualenv has installed. `.venv` is often another checkout's (a comparison's
base linked to the working tree's), and its editable install would import that one's code:
in session 19 two "checkouts" compared with statements.py were the same code twice. The scripts
say which checkout's code they measure (`ROOT`)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
