"""The columns the catalogue computes for every feature (the other columns of a planner's layer are the file's own)."""

from __future__ import annotations

from corrections.overlay import MARK

#: Columns every feature of the catalogue carries, whatever its layer.
COMMON = ["id", "name", "layer", "town", "status", "deadline", "accuracy", "source", "parent", "note", MARK, "geometry"]
#: The sizes measured for every feature (by its geometry: areas of polygons, lengths of lines).
MEASURES = ["area_km2", "area_mu", "length_km"]
#: Every column the catalogue computes for a feature; the other columns of a planner's layer are the file's own.
COMPUTED = frozenset([*COMMON, "accuracy_label", *MEASURES])
