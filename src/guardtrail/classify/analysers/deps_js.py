"""JavaScript dependency manifests: package.json (npm, yarn, pnpm, bun)."""

from __future__ import annotations

import re
from typing import Any

from guardtrail.classify.analysers._common import Malformed, parse_json
from guardtrail.classify.analysers.deps_model import Dep, Manifest

SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides", "resolutions")
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare")
_SOURCE = re.compile(
    r"^(?:git\+|git:|github:|gitlab:|bitbucket:|gist:|https?:|file:|link:|portal:|npm:)|^[\w.-]+/[\w.-]+(?:#.*)?$"
)


def _dep(name: str, spec: str) -> Dep:
    if _SOURCE.match(spec):
        return Dep(name, "", spec)
    return Dep(name, "" if spec in {"*", "latest", "x"} else spec.replace(" ", ""))


def parse_package_json(text: str) -> Manifest:
    data = parse_json(text)
    if not isinstance(data, dict):
        raise Malformed("package.json is not an object")
    manifest = Manifest("npm")
    for section in SECTIONS:
        table: Any = data.get(section)
        for name, spec in table.items() if isinstance(table, dict) else ():
            if isinstance(spec, str):
                manifest.add(_dep(name, spec))
    scripts = data.get("scripts")
    for name in INSTALL_SCRIPTS:
        if isinstance(scripts, dict) and isinstance(scripts.get(name), str):
            manifest.scripts[name] = scripts[name]
    config = data.get("publishConfig")
    if isinstance(config, dict) and isinstance(config.get("registry"), str):
        manifest.sources[config["registry"]] = None
    return manifest
