"""Where the project lives, and its configuration: `config.py` beside `pyproject.toml`.

`config.py` is loaded from its path under a name of its own (`vftops_config`), so no
top-level module called `config` is installed into the environment, where it would
shadow (or be shadowed by) another package's `config`. vftops runs from its
checkout (templates, migrations and `config.py` live there), installed with
`pip install -e`.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_ROOT / "config.py"
MODULE_NAME = "vftops_config"


@cache
def config_module() -> ModuleType:
    """The configuration classes of `config.py`, loaded once."""
    spec = importlib.util.spec_from_file_location(MODULE_NAME, CONFIG_FILE)
    if spec is None or spec.loader is None or not CONFIG_FILE.is_file():
        raise RuntimeError(
            f"vftops needs its configuration file {CONFIG_FILE}: run it from its checkout "
            "(pip install -e <checkout>)."
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module
