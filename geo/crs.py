"""The coordinate reference systems the project uses, named once."""

#: Storage CRS of every shipped layer: CGCS2000 geographic (lon/lat).
STORAGE = "EPSG:4490"
#: What web maps draw in (WGS84 lon/lat); CGCS2000 and WGS84 agree to centimetres.
WEB = "EPSG:4326"
#: Where every area and length is measured: CGCS2000 3-degree Gauss-Krüger, CM 117°E (metres).
MEASURE = "EPSG:4548"
