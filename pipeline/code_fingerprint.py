"""A fingerprint of the user code a component runs, for TFX's cache decision.

Components take their code by dotted path (components.trainer.run_fn). TFX's cache key holds
that path, not the code behind it, so an edited model or preprocessing function would be a
cache hit and the old model would be reused. The fingerprint, put in the component's
custom_config, changes whenever the function's module or any module of the same package it
imports (directly or not) changes. Modules are found and parsed, never imported.
"""

import ast
import hashlib
import importlib.util
import pathlib


def code_fingerprint(*dotted_paths: str) -> str:
    """SHA-256 over the sources of the modules holding `dotted_paths` (package.module.function)
    and of every module of their top-level package those import, transitively."""
    sources: dict[str, bytes] = {}
    pending = [path.rpartition(".")[0] for path in dotted_paths]
    while pending:
        module = pending.pop()
        if module in sources:
            continue
        file = _module_file(module)
        if file is None:
            raise ValueError(f"module {module} (of {', '.join(dotted_paths)}) not found")
        sources[module] = file.read_bytes()
        # Only the user's own package: libraries are pinned by the lock, not fingerprinted.
        package = module.partition(".")[0]
        pending += [
            name
            for name in _imported_names(sources[module], module, file.name == "__init__.py")
            if name.partition(".")[0] == package and _module_file(name) is not None
        ]
    digest = hashlib.sha256()
    for module, source in sorted(sources.items()):
        digest.update(f"{module}\n".encode())
        digest.update(source)
    return f"sha256:{digest.hexdigest()}"


def _module_file(module: str) -> pathlib.Path | None:
    """The source file of `module`, found from its top-level package's folder."""
    package, _, rest = module.partition(".")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        base = pathlib.Path(folder, *rest.split(".")) if rest else pathlib.Path(folder)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def _imported_names(source: bytes, module: str, is_package: bool) -> list[str]:
    """What `source` imports, and its parent packages (their __init__ runs first);
    `from package import name` gives `package.name` too, which may be a module."""
    names = [module.rsplit(".", depth)[0] for depth in range(1, module.count(".") + 1)]
    here = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names
