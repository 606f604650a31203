/* The 校正位置 drawing map's behaviour (layers/editmap.py EditMapClient), chaohuEditMap(map, cfg):
 *  - the towns' names always and the plan places' from cfg.minzoom on; names are set as text (textContent), never
 *    as HTML, and take no clicks, so drawing goes on through them;
 *  - the opening view: cfg.fit ([[south, west], [north, east]]) with cfg.fitOptions, fitted again whenever the frame
 *    changes size until the planner moves the map (the frame is sized after the map is made). */
function chaohuEditMap(map, cfg) {
  var container = map.getContainer();
  cfg.labels.forEach(function (item) {
    var span = document.createElement('span');
    span.textContent = item.t;
    L.marker(item.a, {
      icon: L.divIcon({className: 'chaohu-edit-label chaohu-edit-label-' + item.k, html: span, iconSize: null}),
      interactive: false, keyboard: false
    }).addTo(map);
  });
  function follow() { container.classList.toggle('chaohu-edit-far', map.getZoom() < cfg.minzoom); }
  map.on('zoomend', follow);

  var moved = false;
  ['mousedown', 'touchstart', 'wheel', 'keydown'].forEach(function (type) {
    container.addEventListener(type, function () { moved = true; }, true);
  });
  function fit() {
    var size = map.getSize();
    if (!moved && size.x > 0 && size.y > 0) { map.fitBounds(cfg.fit, cfg.fitOptions); }
  }
  map.on('resize', fit);
  fit();
  follow();
}
