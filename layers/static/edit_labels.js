/* The names on the 校正位置 drawing map (layers/editmap.py ContextLabels): the towns' always, the plan places' from
 * `minzoom` on. Names are set as text (textContent), never as HTML; the labels take no clicks, so drawing goes on
 * through them. */
function chaohuEditLabels(map, items, minzoom) {
  var container = map.getContainer();
  items.forEach(function (item) {
    var span = document.createElement('span');
    span.textContent = item.t;
    L.marker(item.a, {
      icon: L.divIcon({className: 'chaohu-edit-label chaohu-edit-label-' + item.k, html: span, iconSize: null}),
      interactive: false, keyboard: false
    }).addTo(map);
  });
  function follow() { container.classList.toggle('chaohu-edit-far', map.getZoom() < minzoom); }
  map.on('zoomend', follow);
  follow();
}
