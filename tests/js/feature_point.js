(name) => {
  const map = window.map;
  let layer = null;
  const visit = (l) => {
    if (layer) return;
    if (l.feature && l.feature.properties && l.feature.properties.name === name) { layer = l; return; }
    if (l.eachLayer) l.eachLayer(visit);
  };
  map.eachLayer(visit);
  if (!layer) return null;
  const box = map.getContainer().getBoundingClientRect();
  const toPage = (ll) => { const p = map.latLngToContainerPoint(ll); return {x: p.x + box.left, y: p.y + box.top}; };
  const hits = (pt) => {
    const el = document.elementFromPoint(pt.x, pt.y);
    return !layer._path || el === layer._path;
  };
  const candidates = [];
  if (layer.getLatLng) candidates.push(layer.getLatLng());
  if (layer.getCenter) { try { candidates.push(layer.getCenter()); } catch (e) {} }
  if (layer.getBounds) {
    const b = layer.getBounds();
    for (let i = 1; i < 10; i++) for (let j = 1; j < 10; j++)
      candidates.push(L.latLng(b.getSouth() + (b.getNorth() - b.getSouth()) * i / 10,
                               b.getWest() + (b.getEast() - b.getWest()) * j / 10));
  }
  const inside = (pt) => pt.x >= box.left && pt.x <= box.right && pt.y >= box.top && pt.y <= box.bottom;
  for (const ll of candidates) {
    const pt = toPage(ll);
    if (inside(pt) && hits(pt)) return pt;
  }
  // covered by other features (an outline by its parts): a click where the map lists it to choose from
  if (map._chaohu) for (const ll of candidates) {
    const pt = toPage(ll), c = map.latLngToContainerPoint(ll);
    if (inside(pt) && map._chaohu.candidatesAt(c.x, c.y).some(x => x.layer === layer)) return pt;
  }
  return {error: 'feature not visible on screen'};
}
