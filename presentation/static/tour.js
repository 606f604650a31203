/* 汇报模式's presentation page (presentation/templates/tour.html.j2): slides beside a Leaflet map, stepped with the
 * keyboard, a clicker or the buttons. Its data come from the page's <script id="tour-data" type="application/json">;
 * labels are placed by the map's own placer (chaohuLabels in layers/static/map_client.js, loaded before this file).
 * window.tour is what tests and the presenter's console see: go(i), next(), prev(), labels, placesInView() … */
(function () {
  const DATA = JSON.parse(document.getElementById('tour-data').textContent);
  const mapEl = document.getElementById('map'), panel = document.getElementById('panel');
  const map = L.map('map', {zoomControl: false, attributionControl: false, zoomSnap: 0.25, preferCanvas: false});
  const FIT = {padding: [40, 40], maxZoom: 13};
  const EMPHASIS = 1.8;  // a highlighted place's marker is this much larger (its label sits beside the larger one)
  map.fitBounds(L.latLngBounds(DATA.slides[DATA.start].bounds));
  const shared = {}, filtered = {}, features = {};
  function style(spec, emphasis) {
    return function (f) {
      const p = f.properties;
      return {color: emphasis ? '#ffd000' : p._color, weight: spec.weight * (emphasis ? 2.5 : 1),
              dashArray: emphasis ? null : p._dash, fillColor: spec.fill || p._color,
              fillOpacity: emphasis ? Math.max(spec.fillOpacity, 0.15) : spec.fillOpacity, opacity: 1};
    };
  }
  function geojson(spec, fc, emphasis) {
    return L.geoJSON(fc, {
      style: style(spec, emphasis),
      pointToLayer: function (f, ll) {
        const s = style(spec, emphasis)(f);
        return L.circleMarker(ll, Object.assign(s, {radius: spec.radius * (emphasis ? EMPHASIS : 1),
          fillOpacity: spec.fillOpacity, color: emphasis ? '#ffd000' : s.color}));
      },
      onEachFeature: function (f) {
        if (emphasis) return;
        (features[f.properties.id] = features[f.properties.id] || []).push({spec: spec, feature: f});
      },
      interactive: false
    });
  }
  DATA.layers.forEach(function (spec) { shared[spec.id] = geojson(spec, spec.fc, false); });
  // a slide with filters draws only the plan places they leave, as the map page does
  function layerFor(spec, i) {
    const only = DATA.slides[i].only;
    if (!spec.plan || only === null) return shared[spec.id];
    const key = spec.id + '@' + i;
    if (!filtered[key]) {
      const keep = new Set(only);
      filtered[key] = geojson(spec, {type: 'FeatureCollection',
        features: spec.fc.features.filter(function (f) { return keep.has(f.properties.id); })}, false);
    }
    return filtered[key];
  }
  let drawn = [], highlight = null;
  const sections = Array.from(document.querySelectorAll('#panel .slide'));
  const tour = {index: -1, slides: DATA.slides, map: map, moving: false, userMoved: false,
                labels: {shown: 0, hidden: 0, crowded: 0}};
  window.tour = tour;

  function placesBounds(i) { return L.latLngBounds(DATA.slides[i].bounds); }
  tour.placesInView = function (i) {
    const b = placesBounds(i === undefined ? tour.index : i), view = map.getBounds();
    const pad = 1e-6;
    return view.getSouth() <= b.getSouth() + pad && view.getNorth() >= b.getNorth() - pad &&
           view.getWest() <= b.getWest() + pad && view.getEast() >= b.getEast() - pad;
  };
  tour.drawn = function () {
    return document.querySelectorAll('#map .leaflet-overlay-pane path, #map .leaflet-overlay-pane canvas').length;
  };
  // labels: the map's own placer (chaohuLabels, layers/static/map_client.js) with the slide's layers' names, the
  // slide's own places first; none under the map note
  const placer = chaohuLabels(map, function () {
    const box = mapEl.getBoundingClientRect(), r = document.getElementById('note').getBoundingClientRect();
    return [{x0: r.left - box.left, y0: r.top - box.top, x1: r.right - box.left, y1: r.bottom - box.top}];
  });
  placer.onLayout = function (shown) {
    const view = map.getBounds(), placed = new Set(shown);
    let crowded = 0;
    placer.items.forEach(function (it) {  // left out for want of room, not for being off the map
      const at = it.a.length ? it.a[0] : (it.line || [])[Math.floor((it.line || []).length / 2)];
      if (!placed.has(it) && at && view.contains(L.latLng(at[0], at[1]))) crowded += 1;
    });
    tour.labels = {shown: shown.length, hidden: placer.items.length - shown.length, crowded: crowded};
  };
  function labelsFor(i) {
    const slide = DATA.slides[i], places = new Set(slide.places), keep = slide.only === null ? null : new Set(slide.only);
    return DATA.labels.filter(function (it) {  // the slide's layers' names, and every place it highlights named
      const spec = DATA.layers.find(function (s) { return s.id === it.l; });
      const shown = places.has(it.i) || (!it.h && slide.layers.indexOf(it.l) >= 0);
      return shown && (!spec.plan || keep === null || keep.has(it.i));
    }).map(function (it) {
      const own = places.has(it.i);
      // the slide's own places first, the points among them before the areas (an area's name has more places to go)
      const first = own ? 1000 + (it.k === 'point' ? 1 : 0) : 0;
      return Object.assign({}, it, {p: it.p + first, r: own && it.r ? it.r * EMPHASIS : it.r, around: own});
    });
  }
  tour.declutter = function () { placer.layout(); return tour.labels; };
  // the text panel's type shrinks until the slide fits the screen (never below 55 %)
  tour.fitPanel = function () {
    let fit = 1;
    panel.style.setProperty('--fit', '1');
    while (panel.scrollHeight > panel.clientHeight + 1 && fit > 0.56) {
      fit -= 0.04;
      panel.style.setProperty('--fit', fit.toFixed(2));
    }
    tour.fit = fit;
    return panel.scrollHeight <= panel.clientHeight + 1;
  };
  function frame(i, animate) {
    const token = {};
    tour.moving = token;
    size = mapEl.clientWidth + 'x' + mapEl.clientHeight;  // the size this frame fits
    const settle = function () { if (tour.moving === token) { tour.declutter(); tour.moving = false; } };
    const b = placesBounds(i);
    map.once('moveend', function () { setTimeout(settle, 50); });
    setTimeout(settle, 4000);
    if (animate === false) { map.fitBounds(b, Object.assign({animate: false}, FIT)); }
    else { map.flyToBounds(b, Object.assign({duration: 1.2}, FIT)); }
  }
  tour.go = function (i, animate) {
    i = Math.max(0, Math.min(DATA.slides.length - 1, i));
    const slide = DATA.slides[i];
    sections.forEach(function (s, k) { s.classList.toggle('active', k === i); });
    document.body.classList.toggle('wide', sections[i].classList.contains('wide'));
    tour.fitPanel();
    map.invalidateSize(false);  // the map's column changed with the slide: draw and fit to the new size now
    drawn.forEach(function (g) { map.removeLayer(g); });
    drawn = DATA.layers.filter(function (spec) { return slide.layers.indexOf(spec.id) >= 0; })
                       .map(function (spec) { return layerFor(spec, i).addTo(map); });
    if (highlight) map.removeLayer(highlight);
    const keep = slide.only === null ? null : new Set(slide.only);
    highlight = L.layerGroup([].concat.apply([], slide.places.map(function (id) {
      return (features[id] || []).filter(function (hit) { return !hit.spec.plan || keep === null || keep.has(id); })
        .map(function (hit) { return geojson(hit.spec, {type: 'FeatureCollection', features: [hit.feature]}, true); });
    }))).addTo(map);
    placer.set(labelsFor(i));
    document.getElementById('counter-index').textContent = String(i + 1);
    const first = tour.index < 0;
    tour.index = i;
    tour.userMoved = false;
    try { history.replaceState(null, '', '#' + (i + 1)); } catch (e) {}
    frame(i, first ? false : animate);
  };
  tour.next = function () { tour.go(tour.index + 1); };
  tour.prev = function () { tour.go(tour.index - 1); };
  // the presenter zooms or pans: labels follow (the placer's own events); the window or frame is resized: the slide
  // is fitted again
  map.on('dragstart', function () { tour.userMoved = true; });
  map.on('zoomstart', function () { if (!tour.moving) tour.userMoved = true; });  // the presenter's own zoom
  let resizing = null, size = '';
  new ResizeObserver(function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      const now = mapEl.clientWidth + 'x' + mapEl.clientHeight;
      if (tour.index < 0 || now === size) return;  // the observer's first call or no real change: the view stays
      size = now;
      tour.fitPanel();
      map.invalidateSize(false);
      if (!tour.userMoved) frame(tour.index, false); else tour.declutter();
    }, 100);
  }).observe(mapEl);
  function fullscreen() {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); }
  }
  document.addEventListener('keydown', function (e) {
    const next = ['ArrowRight', 'ArrowDown', 'PageDown', ' ', 'Spacebar', 'Enter'];
    const prev = ['ArrowLeft', 'ArrowUp', 'PageUp', 'Backspace'];
    if (next.indexOf(e.key) >= 0) { tour.next(); }
    else if (prev.indexOf(e.key) >= 0) { tour.prev(); }
    else if (e.key === 'Home') { tour.go(0); }
    else if (e.key === 'End') { tour.go(DATA.slides.length - 1); }
    else if (e.key === 'f' || e.key === 'F') { fullscreen(); }
    else { return; }
    e.preventDefault();
  });
  document.getElementById('next').addEventListener('click', function (e) { e.currentTarget.blur(); tour.next(); });
  document.getElementById('prev').addEventListener('click', function (e) { e.currentTarget.blur(); tour.prev(); });
  document.getElementById('fullscreen').addEventListener('click', function (e) { e.currentTarget.blur(); fullscreen(); });
  document.addEventListener('click', function () { window.focus(); });
  const fromHash = parseInt((location.hash || '').slice(1), 10);
  tour.go(fromHash > 0 ? fromHash - 1 : DATA.start, false);
  window.focus();
  tour.ready = true;
})();
