"""Start ``hass`` on the interpreter this machine has: Home Assistant 2026.2.3 asks for Python
3.13.2, the pyenv build here is 3.13.0, on which it runs (its own test harness does too).

Run by the real Home Assistant's interpreter, not the tests' (which has no homeassistant).
"""

import sys

import homeassistant.__main__ as hass_main  # type: ignore[import-not-found]

hass_main.REQUIRED_PYTHON_VER = sys.version_info[:3]
sys.exit(hass_main.main())
