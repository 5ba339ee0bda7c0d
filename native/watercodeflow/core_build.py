# Where the C recorder core's build for the running interpreter lives, and loading it. The core reads CPython
# internals, so a build serves exactly one interpreter version (native/wcfcore/build.py makes it).
import os
import sys
import sysconfig

BUILDS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_builds")


def core_build_key():
    """e.g. cpython-311-3.11.7-final: implementation, ABI tag and the full version."""
    version = sys.version_info
    return "%s-%d.%d.%d-%s%s" % (sys.implementation.cache_tag, version[0], version[1], version[2],
                                  version[3], getattr(sys, "abiflags", ""))


def core_build_path():
    return os.path.join(BUILDS_DIR, core_build_key(), "_wcfcore" + sysconfig.get_config_var("EXT_SUFFIX"))


def load_core():
    """The watercodeflow._wcfcore module for this interpreter; ImportError saying why when there is none."""
    module = sys.modules.get("watercodeflow._wcfcore")
    if module is not None:
        return module
    path = core_build_path()
    if not os.path.exists(path):
        raise ImportError("no C core built for Python %s at %s (run: %s native/wcfcore/build.py)"
                          % (sys.version.split()[0], path, sys.executable))
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.ExtensionFileLoader("watercodeflow._wcfcore", path)
    spec = importlib.util.spec_from_file_location("watercodeflow._wcfcore", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules["watercodeflow._wcfcore"] = module
    return module
