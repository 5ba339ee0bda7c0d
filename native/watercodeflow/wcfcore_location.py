# Where the shipped build of the C core (native/wcfcore) for the running interpreter lives, and loading a build
# from a path. Shared by the recorder (core_build.py, which also builds into the user's cache) and the reader
# (chunk_codec.py's C column decoder); imports neither side.
import importlib.machinery
import os
import sys

BUILDS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_builds")


def core_build_key():
    """e.g. cpython-311-3.11.7-final: implementation, ABI tag and the full version."""
    version = sys.version_info
    return "%s-%d.%d.%d-%s%s" % (sys.implementation.cache_tag, version[0], version[1], version[2],
                                  version[3], getattr(sys, "abiflags", ""))


def core_file_name():
    # the interpreter's own extension suffix (sysconfig's EXT_SUFFIX, which build.py names the file with) without
    # sysconfig, whose config variables take ~1 ms to load
    return "_wcfcore" + importlib.machinery.EXTENSION_SUFFIXES[0]


def core_build_path():
    return os.path.join(BUILDS_DIR, core_build_key(), core_file_name())


def load_build(path):
    """Loads the build at `path` as watercodeflow._wcfcore (and registers it there)."""
    import importlib.util

    loader = importlib.machinery.ExtensionFileLoader("watercodeflow._wcfcore", path)
    spec = importlib.util.spec_from_file_location("watercodeflow._wcfcore", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules["watercodeflow._wcfcore"] = module
    return module
