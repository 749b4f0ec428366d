"""Every exported function and class has a numpydoc docstring with Parameters, Returns (where
it returns something), Raises (where it raises) and a runnable Examples section (the examples
themselves run as doctests in the suite)."""

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest
from numpydoc.docscrape import FunctionDoc
from numpydoc.validate import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
import gen_api  # noqa: E402

PACKAGES = [package for package, _, _ in gen_api.PACKAGES]  # the API reference's sections
REQUIRED = {
    "GL08": "a docstring",
    "PR01": "every parameter documented",
    "PR02": "no parameter documented that does not exist",
    "RT01": "a Returns section",
    "EX01": "an Examples section",
}


def _exported() -> list[str]:
    """The defining path (module.qualname) of every exported function and class."""
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                names.append(f"{obj.__module__}.{obj.__qualname__}")
    return names


EXPORTED = _exported()


def _raises(obj: object) -> bool:
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return False
    return re.search(r"^\s+raise \w", source, re.M) is not None


def test_every_package_exports_names():
    for package in PACKAGES:
        assert getattr(importlib.import_module(package), "__all__", None), package


def test_no_exported_name_is_also_a_submodule():
    """``package.name`` must mean one thing: importing a submodule of the same name would
    replace the exported function by the module."""
    clashes = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        if not hasattr(module, "__path__"):  # a module, not a package: no submodules
            continue
        for name in getattr(module, "__all__", []):
            if importlib.util.find_spec(f"{package}.{name}") is not None:
                clashes.append(f"{package}.{name}")
    assert not clashes, f"exported names that are also submodules: {clashes}"


@pytest.mark.parametrize("name", EXPORTED)
def test_exported_name_has_a_numpydoc_docstring(name):
    report = validate(name)
    missing = [f"{code} ({REQUIRED[code]})" for code, _ in report["errors"] if code in REQUIRED]
    module, _, attr = name.rpartition(".")
    obj = getattr(importlib.import_module(module), attr)
    if inspect.isfunction(obj) and _raises(obj) and not FunctionDoc(obj)["Raises"]:
        missing.append("a Raises section (the function raises)")
    assert not missing, f"{name} lacks: " + ", ".join(missing)
