"""Run by Debian's /usr/bin/python3 with QGIS's own Python bindings (python3-qgis), headless: open a project and
print, as JSON, what QGIS made of it (tests/test_qgis_project.py). Not a test module: QGIS is not importable from the
test suite's Python."""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsProject  # noqa: E402

app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
ok = project.read(sys.argv[1])
layers = []
for layer in project.mapLayers().values():
    renderer = layer.renderer()
    layers.append({
        "name": layer.name(), "valid": layer.isValid(), "source": layer.source(), "features": layer.featureCount(),
        "crs": layer.crs().authid(), "renderer": renderer.type() if renderer else None,
        "categories": {c.value(): c.symbol().symbolLayer(0).properties() for c in renderer.categories()}
        if renderer is not None and renderer.type() == "categorizedSymbol" else {},
        "labels": layer.labelsEnabled(), "label_field": layer.labeling().settings().fieldName if layer.labeling() else None,
    })
print(json.dumps({"read": ok, "title": project.title(), "crs": project.crs().authid(),
                  "abstract": project.metadata().abstract(), "layers": layers}, ensure_ascii=False, default=str))
app.exitQgis()
