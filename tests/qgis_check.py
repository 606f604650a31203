"""QGIS's own view of what we export, for the tests: QGIS 3.22 is Debian's python3-qgis, importable only by Debian's
/usr/bin/python3, so the tests call ``qgis(...)`` here, which runs this file with it, headless, and reads its JSON:

* ``qgis(PROJECT)``: open a project (tests/test_qgis_project.py): its title, CRS, note and every layer's validity,
  source, feature count, renderer categories and labels;
* ``qgis("--style", FILE)``: convert a MapLibre style as QGIS's vector tile layer does (tests/test_ogc.py).
"""

import json
import os
import subprocess
import sys

QGIS_PYTHON = "/usr/bin/python3"


def qgis(*args) -> dict:
    """Run this file with QGIS's Python on args; its JSON answer (the test fails with QGIS's stderr otherwise)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([QGIS_PYTHON, os.path.abspath(__file__), *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _style(path: str) -> dict:
    from qgis.core import QgsMapBoxGlStyleConverter

    converter = QgsMapBoxGlStyleConverter()
    with open(path, encoding="utf-8") as f:
        result = converter.convert(json.load(f))
    styles = converter.renderer().styles() if converter.renderer() else []
    labels = converter.labeling().styles() if converter.labeling() else []
    return {"result": int(result), "error": converter.errorMessage(), "warnings": converter.warnings(),
            "styles": [{"name": s.styleName(), "layer": s.layerName(), "filter": s.filterExpression(),
                        "color": s.symbol().color().name() if s.symbol() else None,
                        "dash": s.symbol().symbolLayer(0).properties().get("use_custom_dash") if s.symbol() else None}
                       for s in styles],
            "labels": [s.layerName() for s in labels]}


def _project(path: str) -> dict:
    from qgis.core import QgsProject

    project = QgsProject.instance()
    ok = project.read(path)
    layers = []
    for layer in project.mapLayers().values():
        renderer = layer.renderer()
        categorized = renderer is not None and renderer.type() == "categorizedSymbol"
        layers.append({
            "name": layer.name(), "valid": layer.isValid(), "source": layer.source(), "features": layer.featureCount(),
            "crs": layer.crs().authid(), "renderer": renderer.type() if renderer else None,
            "categories": {c.value(): c.symbol().symbolLayer(0).properties() for c in renderer.categories()} if categorized else {},
            "labels": layer.labelsEnabled(), "label_field": layer.labeling().settings().fieldName if layer.labeling() else None,
        })
    return {"read": ok, "title": project.title(), "crs": project.crs().authid(), "abstract": project.metadata().abstract(),
            "layers": layers}


def main(argv: list) -> None:
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    out = _style(argv[1]) if argv[0] == "--style" else _project(argv[0])
    print(json.dumps(out, ensure_ascii=False, default=str))
    app.exitQgis()


if __name__ == "__main__":
    main(sys.argv[1:])
