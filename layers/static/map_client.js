/* The planning map's behaviour in the browser, for the app's map frame and the standalone HTML export alike.
 *
 * chaohuClient(map, cfg) adds, once per map:
 *  - a legend that folds (folded by default when it would take much of a small map; the choice is remembered);
 *  - labels placed by priority, each tried at a few positions, hidden when they would collide with a label
 *    placed before or with a control; more appear as the user zooms in; road names along the roads;
 *  - tooltips that move to another side rather than sit under the legend, and none while the list below is open;
 *  - the open legend ends above the mini-map (its rows scroll);
 *  - a click on several features at once selects the most specific and lists the others to choose from;
 *  - Chinese titles on the zoom buttons, a Chinese notice when an online basemap fails or is not configured;
 *  - in the app's frame: the first view report waits until the view asked for by the app is applied;
 *  - in the app's frame: a click on a plan place shows the place's panel in the page without a script run (the panel
 *    as the server renders it, /api/places/{id}/panel), puts the selection in the page's URL, and turns the panel's
 *    buttons into the page's actions; other features, or a panel that cannot be fetched, take the app's usual path.
 * Values in cfg are plain text (set with textContent) except `legend`, `titles` and feature names, which were
 * HTML-escaped on the server.
 */
function chaohuClient(map, cfg) {
  if (map._chaohu) { return map._chaohu; }
  /* `counter` numbers clicks and panel-button presses, which the app takes only when they differ from the last one it
     took (views/pages/map.py `last_click`, `last_link`). It starts at this frame's load time: a frame drawn anew (after
     another page, another set of layers) must not number its first press 1 again, or a press of the same button as
     before — 校正此地点的位置 on the same place — would be taken for the press already handled and do nothing. */
  var api = {labels: [], placed: [], counter: Date.now()}, labels = null;
  map._chaohu = api;
  var container = map.getContainer();
  var store = (function () { try { return window.sessionStorage; } catch (e) { return null; } })();

  /* ---- the app frame (streamlit-folium): report the view only after the app's requested view is set */
  if (typeof window.initComponent === 'function' && !window.initComponent._chaohu) {
    var initComponent = window.initComponent;
    window.initComponent = function (m, hover) { setTimeout(function () { initComponent(m, hover); }, 0); };
    window.initComponent._chaohu = true;
  }

  /* ---- the mini-map moves the map only when the user moves the mini-map: Leaflet-MiniMap otherwise answers a
     quick series of programmatic moves (the first view, then the view the app asks for) by moving the map back */
  if (L.Control.MiniMap) {
    Object.keys(window).forEach(function (name) {
      var mini = window[name];
      if (!(mini instanceof L.Control.MiniMap) || mini._chaohuGuard || mini._mainMap !== map || !mini._miniMap) { return; }
      mini._chaohuGuard = true;
      var user = false;
      mini._miniMap.on('dragstart zoomstart', function (e) { user = user || !!(e && e.target && e.target.dragging && e.target.dragging.moving()); });
      ['mousedown', 'touchstart', 'wheel', 'dblclick'].forEach(function (type) {
        mini._container.addEventListener(type, function () { user = true; }, true);
      });
      mini._miniMap.off('moveend', mini._onMiniMapMoved, mini);
      mini._miniMap.on('moveend', function (e) {
        if (user) { user = false; mini._onMiniMapMoved(e); } else { mini._mainMapMoving = false; }
      });
    });
  }

  /* ---- Chinese on every control */
  if (map.zoomControl) {
    [[map.zoomControl._zoomInButton, '放大'], [map.zoomControl._zoomOutButton, '缩小']].forEach(function (pair) {
      if (pair[0]) { pair[0].title = pair[1]; pair[0].setAttribute('aria-label', pair[1]); }
    });
  }
  if (map.attributionControl) { map.attributionControl.setPrefix(''); }

  /* ---- notices: a basemap that needs a key, or one that cannot be reached */
  var notice = null;
  function say(text) {
    if (!notice) {
      var ctl = L.control({position: 'bottomleft'});
      ctl.onAdd = function () { return L.DomUtil.create('div', 'chaohu-notice leaflet-control'); };
      ctl.addTo(map);
      notice = ctl.getContainer();
    }
    notice.textContent = text;
  }
  if (cfg.notice) { say(cfg.notice); }
  map.eachLayer(function (layer) {
    if (layer instanceof L.TileLayer && layer._url && /^https?:/.test(layer._url)) {
      layer.on('tileerror', function () { say(cfg.tileError); });
    }
  });

  /* ---- the legend: a control that folds */
  var legend = L.control({position: 'topright'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'chaohu-legend leaflet-control');
    div.innerHTML = '<button type="button" class="chaohu-legend-toggle" aria-expanded="true"></button>' +
      '<div class="chaohu-legend-body">' + cfg.legend + '</div>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);
  var legendDiv = legend.getContainer();
  var toggle = legendDiv.querySelector('.chaohu-legend-toggle');
  function fold(folded, remember) {
    legendDiv.classList.toggle('folded', folded);
    toggle.textContent = folded ? '图例 ▸' : '图例 ▾';
    toggle.title = folded ? '展开图例' : '收起图例';
    toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
    if (remember && store) { store.setItem('chaohu-legend', folded ? 'folded' : 'open'); }
    fitLegend();
    if (labels) { labels.schedule(); }
  }
  /* the open legend ends above the bottom-right controls (mini-map, coordinates): its rows scroll instead */
  function fitLegend() {
    var body = legendDiv.querySelector('.chaohu-legend-body'), corner = container.querySelector('.leaflet-bottom.leaflet-right');
    var bottom = corner && corner.offsetHeight ? corner.getBoundingClientRect().top : container.getBoundingClientRect().bottom;
    body.style.maxHeight = Math.max(48, bottom - body.getBoundingClientRect().top - 12) + 'px';
  }
  map.on('resize', fitLegend);
  container.addEventListener('transitionend', fitLegend);  // the mini-map folds and unfolds with a transition
  api.fold = fold;
  toggle.addEventListener('click', function () { fold(!legendDiv.classList.contains('folded'), true); });
  function autoFold() {
    var size = map.getSize(), body = legendDiv.querySelector('.chaohu-legend-body');
    var auto = body.offsetHeight > 0.6 * size.y || legendDiv.offsetWidth > 0.3 * size.x;
    var saved = store && store.getItem('chaohu-legend');
    fold(saved ? saved === 'folded' : auto, false);
  }
  /* the frame may still have no size when the map is made: what depends on the size waits for it */
  function whenSized(fn) {
    var size = map.getSize();
    if (size.x > 0 && size.y > 0) { fn(); return; }
    var wait = function () {
      var s = map.getSize();
      if (s.x > 0 && s.y > 0) { map.off('resize', wait); fn(); }
    };
    map.on('resize', wait);
  }
  whenSized(autoFold);

  /* rectangles (container pixels) that labels must leave free and tooltips must not go under */
  function obstacles() {
    var box = container.getBoundingClientRect(), out = [];
    container.querySelectorAll('.leaflet-control, .chaohu-map-note').forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width && r.height) { out.push({x0: r.left - box.left, y0: r.top - box.top, x1: r.right - box.left, y1: r.bottom - box.top}); }
    });
    return out;
  }
  api.obstacles = obstacles;

  /* ---- the first view: the city, clear of the legend */
  if (cfg.fit) {
    var start = map.getCenter(), startZoom = map.getZoom();
    whenSized(function () {
      if (!map.getCenter().equals(start) || map.getZoom() !== startZoom) { return; }  // the app has moved it already
      var lg = legendDiv.getBoundingClientRect();
      map.fitBounds(cfg.fit, {paddingTopRight: [lg.width + 12, lg.height + 12], paddingBottomLeft: [12, 40], animate: false});
    });
  }

  /* ---- tooltips never under the legend */
  if (!L.Tooltip.prototype._chaohuAvoid) {
    var setPosition = L.Tooltip.prototype._setPosition;
    L.Tooltip.prototype._chaohuAvoid = true;
    L.Tooltip.prototype._setPosition = function (pos) {
      setPosition.call(this, pos);
      var m = this._map, el = this._container;
      if (!m || !m._chaohu || !el) { return; }
      var avoid = m.getContainer().querySelectorAll('.chaohu-legend');
      var hit = function () {
        var r = el.getBoundingClientRect();
        return Array.prototype.some.call(avoid, function (a) {
          var b = a.getBoundingClientRect();
          return r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top;
        });
      };
      if (!hit()) { return; }
      var direction = this.options.direction, dirs = ['left', 'bottom', 'top', 'right'];
      for (var i = 0; i < dirs.length; i++) {
        this.options.direction = dirs[i];
        setPosition.call(this, pos);
        if (!hit()) { break; }
      }
      this.options.direction = direction;
    };
  }

  /* ---- several features under the pointer: select the most specific, list the others */
  function rank(layer) {
    if (layer instanceof L.CircleMarker) { return layer._radius / 1000; }
    if (layer instanceof L.Polygon) {
      var b = layer._pxBounds, area = b ? (b.max.x - b.min.x) * (b.max.y - b.min.y) : 1e12;
      return 2 + area / 1e13;
    }
    return 1;
  }
  function candidatesAt(point) {
    var found = {};
    map.eachLayer(function (layer) {
      var p = layer.feature && layer.feature.properties;
      if (!p || !p.id || !layer._containsPoint || (layer.options && layer.options.interactive === false)) { return; }
      var hit = false;
      try { hit = layer._containsPoint(point); } catch (e) { hit = false; }
      if (!hit) { return; }
      var r = rank(layer);
      if (!found[p.id] || r < found[p.id].rank) { found[p.id] = {layer: layer, rank: r, props: p}; }
    });
    return Object.keys(found).map(function (k) { return found[k]; }).sort(function (a, b) { return a.rank - b.rank; });
  }
  api.candidatesAt = function (x, y) { return candidatesAt(map.containerPointToLayerPoint([x, y])); };
  /* In the app's frame, report a click at once: streamlit-folium waits 250 ms before it reports anything. The
     report is built as streamlit-folium 0.27.4 builds it (same keys, same order), so its own delayed report
     finds nothing new and sends nothing. */
  function flush() {
    var G = window.__GLOBAL_DATA__, out = report();
    if (!out || !G.last_active_drawing) { return; }
    if (JSON.stringify(out) !== JSON.stringify(G.previous_data)) { G.previous_data = out; window.Streamlit.setComponentValue(out); }
  }
  function report() {  // what streamlit-folium would report now, or null outside the app's frame
    var G = window.__GLOBAL_DATA__;
    if (!G || !window.Streamlit || !G.returned_objects) { return null; }
    var all = {last_active_drawing: G.last_active_drawing, bounds: map.getBounds(), zoom: map.getZoom(), center: map.getCenter()};
    var out = {};
    Object.keys(all).forEach(function (k) { if (G.returned_objects.indexOf(k) >= 0) { out[k] = all[k]; } });
    return out;
  }

  /* ---- in the app's frame: a plan place's panel drawn here, in the page's panel, without a script run */
  var host = (function () { try { return window.frameElement && window.Streamlit ? window.parent.document : null; } catch (e) { return null; } })();
  function slot() { return host && host.querySelector('.st-key-chaohu-panel .chaohu-slot'); }
  function served(props) {
    var s = slot();
    return !!(s && props && props.id && props.layer && s.getAttribute('data-layers').split(',').indexOf(props.layer) >= 0);
  }
  function absorb() {  // the click is the frame's: streamlit-folium's delayed report then finds nothing new to send
    var out = report();
    if (out) { window.__GLOBAL_DATA__.previous_data = out; }
  }
  function dropLive(box) {
    var el = box.querySelector('.chaohu-live-panel');
    if (el) { el.parentNode.removeChild(el); }
    box.classList.remove('chaohu-live');
    if (box._chaohuWatch) { box._chaohuWatch.disconnect(); box._chaohuWatch = null; }
  }
  function livePanel(box) {
    var el = box.querySelector('.chaohu-live-panel');
    if (el) { return el; }
    el = host.createElement('div');
    el.className = 'chaohu-live-panel';
    box.insertBefore(el, box.firstChild);
    box.classList.add('chaohu-live');
    // the page draws its panel again (a run that changed it): the page's panel is shown, this one goes
    var watch = new MutationObserver(function (records) {
      if (records.some(function (r) { return !el.contains(r.target); })) { dropLive(box); }
    });
    watch.observe(box, {childList: true, subtree: true, characterData: true});
    box._chaohuWatch = watch;
    return el;
  }
  function showPanel(id) {
    var s = slot(), box = host && host.querySelector('.st-key-chaohu-sel');
    if (!s || !box) { return false; }
    var url = s.getAttribute('data-route') + '/' + encodeURIComponent(id) + '/panel?view=' + encodeURIComponent(s.getAttribute('data-view'));
    fetch(url, {credentials: 'same-origin', cache: 'no-store'}).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.text();
    }).then(function (html) {
      var el = livePanel(box);
      // the server's own panel (presentation/templates/panel.html.j2): every value in it is escaped there
      el.replaceChildren(host.createRange().createContextualFragment(html));
      var win = host.defaultView, link = new win.URL(win.location.href);
      link.searchParams.set('sel', id);
      win.history.replaceState(win.history.state, '', link.toString());
    }).catch(function () {  // no panel from the server (a lost session, a network error): the app's usual path
      window.__GLOBAL_DATA__.previous_data = null;
      flush();
    });
    return true;
  }
  function unhighlight() {  // the app's highlight of the place selected before (its next run draws the new one)
    var layers = slot().getAttribute('data-layers').split(',');
    (window.feature_group || []).forEach(function (group) {
      var plan = false;
      (function visit(l) {
        var p = l.feature && l.feature.properties;
        plan = plan || !!(p && layers.indexOf(p.layer) >= 0);
        if (l.eachLayer) { l.eachLayer(visit); }
      })(group);
      if (plan) { map.removeLayer(group); }
    });
    if (window.__GLOBAL_DATA__) { window.__GLOBAL_DATA__.last_feature_group = null; }  // drawn again on the next run
  }
  function pick(c) {  // a chosen feature: a plan place's panel here, anything else reported to the app
    if (served(c.props) && showPanel(c.props.id)) { absorb(); unhighlight(); } else { flush(); }
  }
  function onPanelButton(e) {  // a button of the panel (presentation/panel.py panel_links): the page's action, one run
    if (!window.frameElement) { host.removeEventListener('click', onPanelButton, true); return; }
    var b = e.target && e.target.closest && e.target.closest('.st-key-chaohu-sel .cp-link');
    var out = b && report();
    if (!out) { return; }
    e.preventDefault();
    out.link = {action: b.getAttribute('data-action'), value: b.getAttribute('data-value'), n: ++api.counter};
    window.__GLOBAL_DATA__.previous_data = out;
    window.Streamlit.setComponentValue(out);
  }
  if (host && !window._chaohuButtons) {
    window._chaohuButtons = true;
    host.addEventListener('click', onPanelButton, true);
  }
  api.showPanel = showPanel;

  function choose(c, latlng, ev) {
    c.props._click = ++api.counter;  // the same feature clicked again is still a new click for the app
    c.layer.fire('click', {latlng: latlng, layerPoint: map.latLngToLayerPoint(latlng),
                           containerPoint: map.latLngToContainerPoint(latlng), originalEvent: ev}, true);
    pick(c);
  }
  function chooser(list, latlng, ev) {
    var div = L.DomUtil.create('div', 'chaohu-chooser');
    var head = L.DomUtil.create('div', 'chaohu-chooser-head', div);
    head.textContent = '此处有 ' + list.length + ' 个要素，点击查看：';
    list.slice(0, 8).forEach(function (c, i) {
      var b = L.DomUtil.create('button', i === 0 ? 'on' : '', div);
      b.type = 'button';
      b.setAttribute('data-id', c.props.id);
      b.innerHTML = c.props.name + '<span>' + (cfg.titles[c.props.layer] || '') + '</span>';
      L.DomEvent.on(b, 'click', function (e) {
        L.DomEvent.stop(e);
        div.querySelectorAll('button').forEach(function (x) { x.classList.remove('on'); });
        b.classList.add('on');
        choose(c, latlng, e);
      });
    });
    L.DomEvent.disableClickPropagation(div);
    var popup = L.popup({className: 'chaohu-chooser-popup', maxWidth: 320, autoPan: false, offset: [0, -14]});
    /* no hover tooltip over the list while it is open */
    popup.on('add', function () { container.classList.add('chaohu-choosing'); });
    popup.on('remove', function () { container.classList.remove('chaohu-choosing'); });
    popup.setLatLng(latlng).setContent(div).openOn(map);
  }
  container.addEventListener('click', function (ev) {
    if (!(ev.target instanceof SVGElement) || (map.dragging && map.dragging.moved())) { return; }
    var list = candidatesAt(map.mouseEventToLayerPoint(ev));
    if (list.length < 2) {
      if (list.length) { var c = list[0]; c.props._click = ++api.counter; setTimeout(function () { pick(c); }, 0); }
      return;
    }
    ev.stopPropagation();
    var latlng = map.mouseEventToLatLng(ev);
    choose(list[0], latlng, ev);
    chooser(list, latlng, ev);
  }, true);

  /* ---- labels: placed by chaohuLabels (below), clear of the controls and the map note */
  labels = chaohuLabels(map, obstacles);
  labels.onLayout = function (shown) { api.placed = shown; };
  labels.set(cfg.labels || []);
  api.labels = labels.items;
  api.layout = labels.layout;
  return api;
}


/* Labels that never overlap, for the planning map and the presentation alike (presentation/static/tour.js).
 *
 * chaohuLabels(map, obstacles) returns a placer; placer.set(items) shows a new set of labels. An item is
 * {t: text, l: layer id, s: extra CSS, k: 'point' | 'area' | 'line', a: [[lat, lng], …] candidate anchors,
 *  r: a point's radius, line: [[lat, lng], …], z: first zoom shown, p: priority (higher first), size: an area's size,
 *  around: an area's name may also sit beside its middle when no place inside it is free}.
 * Labels are placed by priority, each at the first of its candidate positions that is inside the map, clear of the
 * labels placed before, of the rectangles `obstacles()` gives (container pixels {x0, y0, x1, y1}) and of the place
 * markers, and hidden otherwise; again after every zoom and move (more appear as one zooms in). The text is set
 * with textContent (never HTML). placer.placed lists the items shown; placer.onLayout(shown) is called after each
 * placement.
 */
function chaohuLabels(map, obstacles) {
  var placer = {items: [], placed: [], onLayout: null};
  var pane = map.getPane('chaohuLabels') || map.createPane('chaohuLabels');
  pane.style.zIndex = 450;
  pane.style.pointerEvents = 'none';
  var items = [];
  placer.set = function (list) {
    items.forEach(function (it) { if (it.el.parentNode) { it.el.parentNode.removeChild(it.el); } });
    items = list.map(function (it) { return Object.assign({}, it); })
                .sort(function (a, b) { return b.p - a.p || (b.size || 0) - (a.size || 0); });
    items.forEach(function (it) {
      var el = L.DomUtil.create('div', 'chaohu-label chaohu-label-' + it.k, pane);
      el.textContent = it.t;
      el.setAttribute('data-layer', it.l);
      if (it.s) { el.style.cssText = it.s; }
      it.el = el;
    });
    placer.items = items;
    placer.placed = [];
    schedule();
  };
  function measure() {
    items.forEach(function (it) { it.el.style.display = ''; it.w = it.el.offsetWidth; it.h = it.el.offsetHeight; });
  }

  function quad(cx, cy, w, h, angle) {
    var c = Math.cos(angle), s = Math.sin(angle), hw = w / 2, hh = h / 2;
    return [[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]].map(function (p) {
      return [cx + p[0] * c - p[1] * s, cy + p[0] * s + p[1] * c];
    });
  }
  function boxQuad(r) { return [[r.x0, r.y0], [r.x1, r.y0], [r.x1, r.y1], [r.x0, r.y1]]; }
  function project(q, axis) {
    var lo = Infinity, hi = -Infinity;
    q.forEach(function (p) { var v = p[0] * axis[0] + p[1] * axis[1]; lo = Math.min(lo, v); hi = Math.max(hi, v); });
    return [lo, hi];
  }
  function overlap(a, b, gap) {  // separating-axis test of two convex quads, `gap` pixels apart at least
    var quads = [a, b];
    for (var i = 0; i < 2; i++) {
      var q = quads[i];
      for (var j = 0; j < 4; j++) {
        var p = q[j], n = q[(j + 1) % 4], len = Math.hypot(n[0] - p[0], n[1] - p[1]) || 1;
        var axis = [-(n[1] - p[1]) / len, (n[0] - p[0]) / len];
        var pa = project(a, axis), pb = project(b, axis);
        if (pa[1] + gap <= pb[0] || pb[1] + gap <= pa[0]) { return false; }
      }
    }
    return true;
  }
  function inside(q, size) {
    return q.every(function (p) { return p[0] >= 2 && p[1] >= 2 && p[0] <= size.x - 2 && p[1] <= size.y - 2; });
  }
  function candidates(it) {
    var out = [], w = it.w, h = it.h;
    if (it.k === 'line') {
      var pts = it.line.map(function (ll) { return map.latLngToContainerPoint(ll); }), segs = [];
      for (var i = 0; i + 1 < pts.length; i++) {
        var a = pts[i], b = pts[i + 1], len = a.distanceTo(b);
        if (len >= w + 12) { segs.push({a: a, b: b, len: len}); }
      }
      segs.sort(function (x, y) { return y.len - x.len; });
      segs.slice(0, 3).forEach(function (s) {
        var angle = Math.atan2(s.b.y - s.a.y, s.b.x - s.a.x);
        if (angle > Math.PI / 2) { angle -= Math.PI; } else if (angle <= -Math.PI / 2) { angle += Math.PI; }
        var cx = (s.a.x + s.b.x) / 2, cy = (s.a.y + s.b.y) / 2;
        out.push({x: cx, y: cy, angle: angle, q: quad(cx, cy, w, h, angle)});
      });
      return out;
    }
    it.a.forEach(function (ll, i) {
      var p = map.latLngToContainerPoint(ll);
      if (it.k === 'point' && i === 0) {
        var r = (it.r || 4) + 3;
        [[r + w / 2, 0], [-(r + w / 2), 0], [0, r + h / 2], [0, -(r + h / 2)]].forEach(function (d) {
          out.push({x: p.x + d[0], y: p.y + d[1], angle: 0, q: quad(p.x + d[0], p.y + d[1], w, h, 0)});
        });
      } else {
        out.push({x: p.x, y: p.y, angle: 0, q: quad(p.x, p.y, w, h, 0)});
      }
    });
    if (it.k === 'area' && it.around && it.a.length) {  // then beside its middle: above, below, right, left, corners
      var m = map.latLngToContainerPoint(it.a[0]), dx = w / 2 + 8, dy = h + 4;
      [[0, -dy], [0, dy], [dx, 0], [-dx, 0], [-dx, -dy], [-dx, dy], [dx, -dy], [dx, dy]].forEach(function (d) {
        out.push({x: m.x + d[0], y: m.y + d[1], angle: 0, q: quad(m.x + d[0], m.y + d[1], w, h, 0)});
      });
    }
    return out;
  }
  function markers() {  // point features' circles: a label never hides a place
    var out = [];
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.CircleMarker) || !layer._point || !(layer.feature && layer.feature.properties)) { return; }
      var p = map.layerPointToContainerPoint(layer._point), r = layer._radius + 1;
      out.push({x0: p.x - r, y0: p.y - r, x1: p.x + r, y1: p.y + r});
    });
    return out;
  }
  function layout() {
    pending = false;
    if (!map._loaded) { return; }
    if (!items.length) { placer.placed = []; if (placer.onLayout) { placer.onLayout([]); } return; }
    if (!items[0].w) { measure(); }
    var size = map.getSize(), zoom = map.getZoom(), origin = map._getMapPanePos();
    var placed = obstacles().map(boxQuad), marks = markers().map(boxQuad), shown = [];
    var clear = function (q, boxes) { return !boxes.some(function (b) { return overlap(b, q, 2); }); };
    items.forEach(function (it) {
      var spot = null;
      if (zoom >= (it.z || 0) && it.w) {
        var cands = candidates(it);
        // a label keeps off the place markers; an area's name may lie over markers inside it when nothing else is
        // free (a platform full of projects keeps its name at the city view; labels let clicks through)
        (it.k === 'area' ? [marks, []] : [marks]).forEach(function (under) {
          for (var i = 0; i < cands.length && !spot; i++) {
            var c = cands[i];
            if (inside(c.q, size) && clear(c.q, placed) && clear(c.q, under)) { spot = c; }
          }
        });
      }
      if (!spot) { it.el.style.display = 'none'; it.q = null; return; }
      placed.push(spot.q);
      it.q = spot.q;
      shown.push(it);
      var el = it.el;
      el.style.display = '';
      el.style.left = (spot.x - origin.x - it.w / 2) + 'px';
      el.style.top = (spot.y - origin.y - it.h / 2) + 'px';
      el.style.transform = spot.angle ? 'rotate(' + spot.angle + 'rad)' : '';
    });
    placer.placed = shown;
    if (placer.onLayout) { placer.onLayout(shown); }
  }
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    (window.requestAnimationFrame || setTimeout)(layout);
  }
  placer.layout = layout;
  placer.schedule = schedule;
  map.on('zoomstart', function () { pane.style.visibility = 'hidden'; });
  map.on('zoomend', function () { pane.style.visibility = ''; });
  map.on('zoomend moveend resize viewreset load', schedule);
  // a web font arriving after the first placement (the presentation's embedded one) changes the labels' sizes
  var remeasure = function () { if (items.length) { measure(); layout(); } };
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(remeasure); }
  if (document.fonts && document.fonts.addEventListener) { document.fonts.addEventListener('loadingdone', remeasure); }
  return placer;
}
