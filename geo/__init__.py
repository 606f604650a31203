"""Pure functions on geometry: CRS, measurement, joins, coordinate offsets. Imports nothing of ours."""
