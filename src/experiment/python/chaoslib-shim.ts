/**
 * Python source run by the helper when chaostoolkit-lib is not installed: stand-ins for what
 * extensions and control modules commonly import from it, so they load unchanged —
 * chaoslib.exceptions, chaoslib.exit, chaoslib.types (the type aliases), chaoslib.substitute
 * (and the other helpers of the package itself), chaoslib.secret's load_secrets, and logzero's
 * `logger` (chaos run's "chaostoolkit" logger). Anything else of chaoslib still fails to import,
 * with Python's own ModuleNotFoundError naming it.
 */
export const CHAOSLIB_SHIM = String.raw`
CHAOSLIB_PACKAGE = r'''
import re as _re
import string as _string
from collections import ChainMap as _ChainMap

__version__ = "1.45.0+faultline"
__faultline_shim__ = True
__all__ = ["__version__", "substitute", "decode_bytes", "merge_vars", "convert_vars"]

_WHOLE = _re.compile(r"^\$\{([\w.-]+)\}$")


def substitute(data, configuration=None, secrets=None):
    """chaoslib.substitute: each placeholder gets the configuration value, else a secret's."""
    if not configuration and not secrets:
        return data
    mapping = _ChainMap(configuration or {}, *(secrets or {}).values())
    return _substitute(data, mapping)


def _substitute(data, mapping):
    if isinstance(data, dict):
        return {key: _substitute(value, mapping) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_substitute(value, mapping) for value in data)
    if isinstance(data, str):
        whole = _WHOLE.match(data)
        if whole and whole.group(1) in mapping:
            return mapping[whole.group(1)]
        return _string.Template(data).safe_substitute(mapping)
    return data


def decode_bytes(data, default_encoding="utf-8"):
    return data.decode(default_encoding) if isinstance(data, bytes) else data


def merge_vars(var=None, var_files=None):
    return {"configuration": dict(var or {}), "secrets": {}}


def convert_vars(value):
    converted = {}
    for item in value:
        name, _, raw = item.partition("=")
        name, _, kind = name.partition(":")
        converted[name] = {"int": int, "float": float, "bytes": str.encode}.get(kind, str)(raw)
    return converted
'''

CHAOSLIB_EXCEPTIONS = r'''
class ChaosException(Exception): pass
class InvalidExperiment(ChaosException): pass
class InvalidActivity(InvalidExperiment): pass
class ActivityFailed(ChaosException): pass
class InvalidSource(ChaosException): pass
class InterruptExecution(ChaosException): pass
class ExperimentExitedException(Exception): pass
class ControlPythonFunctionLoadingError(Exception): pass
class InvalidControl(ChaosException): pass
class DiscoveryFailed(ChaosException): pass
class InvalidExperimentFormat(InvalidExperiment): pass
'''

CHAOSLIB_EXIT = r'''
import os, signal
__all__ = ["exit_gracefully", "exit_ungracefully"]
def exit_gracefully():
    os.kill(os.getpid(), signal.SIGUSR1)
def exit_ungracefully():
    os.kill(os.getpid(), signal.SIGUSR2)
'''

CHAOSLIB_TYPES = r'''
import enum
from typing import Any, Dict, List, Tuple, Union

Activity = Dict[str, Any]
Action = Dict[str, Any]
Probe = Dict[str, Any]
Rollback = Dict[str, Any]
Control = Dict[str, Any]
Configuration = Dict[str, Dict[str, str]]
Secrets = Dict[str, Dict[str, str]]
Experiment = Dict[str, Any]
Hypothesis = Dict[str, Any]
Journal = Dict[str, Any]
Run = Dict[str, Any]
Settings = Dict[str, Any]
EventPayload = Dict[str, Any]
Extension = Dict[str, Any]
Layer = Any
MicroservicesStatus = Tuple[Dict[str, Any], Dict[str, Any]]
DiscoveredActivities = Dict[str, Any]
DiscoveredSystemInfo = Dict[str, Any]
Discovery = Dict[str, Any]
ValueType = Union[str, int, float, bytes, None, List[Any], Dict[str, Any]]
Tolerance = Union[int, str, bool, list, Dict[str, Any]]


class Strategy(enum.Enum):
    BEFORE_METHOD = "before-method-only"
    AFTER_METHOD = "after-method-only"
    DURING_METHOD = "during-method-only"
    DEFAULT = "default"
    CONTINUOUS = "continuously"


class Dry(enum.Enum):
    PROBES = "probes"
    ACTIONS = "actions"
    ACTIVITIES = "activities"
    PAUSE = "pause"
'''

CHAOSLIB_SECRET = r'''
import os
__all__ = ["load_secrets"]
def load_secrets(secrets_info, configuration=None, extra_vars=None):
    """The inline and environment secrets of chaoslib.secret.load_secrets (no Vault)."""
    loaded = {}
    for scope, values in (secrets_info or {}).items():
        loaded[scope] = {}
        for key, value in values.items():
            if isinstance(value, dict) and value.get("type") == "env":
                loaded[scope][key] = os.environ.get(value["key"], value.get("default"))
            else:
                loaded[scope][key] = value
    return loaded
'''

LOGZERO = r'''
import logging
__faultline_shim__ = True
logger = logging.getLogger("chaostoolkit")
LogFormatter = logging.Formatter
def loglevel(level=logging.DEBUG, update_custom_handlers=False):
    logger.setLevel(level)
def logfile(filename, formatter=None, mode="a", maxBytes=0, backupCount=0, encoding=None, loglevel=None, disableStderrLogger=False):
    handler = logging.FileHandler(filename, mode=mode, encoding=encoding)
    if formatter is not None:
        handler.setFormatter(formatter)
    logger.addHandler(handler)
def setup_logger(name=None, logfile=None, level=logging.DEBUG, formatter=None, **ignored):
    named = logging.getLogger(name)
    named.setLevel(level)
    return named
def setup_default_logger(**options):
    return logger
'''


def install_shims():
    shims = []
    if importlib.util.find_spec("chaoslib") is None:
        shims += [
            ("chaoslib", CHAOSLIB_PACKAGE),
            ("chaoslib.exceptions", CHAOSLIB_EXCEPTIONS),
            ("chaoslib.exit", CHAOSLIB_EXIT),
            ("chaoslib.types", CHAOSLIB_TYPES),
            ("chaoslib.secret", CHAOSLIB_SECRET),
        ]
    if importlib.util.find_spec("logzero") is None:
        shims.append(("logzero", LOGZERO))
    for name, source in shims:
        module = types.ModuleType(name)
        if name == "chaoslib":
            module.__path__ = []
        exec(source, module.__dict__)
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


install_shims()
`;
