"""The tour as one self-contained presentation page: Leaflet, the vector layers, a subset CJK font and slides inline.

The same page serves the app's 汇报模式 (shown full-screen in a component) and the USB-stick export:
no server, no network. Keys: →/PageDown/Space/Enter next, ←/PageUp/Backspace back, Home/End, F full screen.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re

import folium.folium
from fontTools import subset
from fontTools.ttLib import TTFont

from core.declarations import BY_ID, LAYERS
from core.formatting import map_note
from geo.crs import MEASURE
from layers.assets import resource_text
from layers.declutter import DECLUTTER_JS, label_ranks
from layers.mapview import feature_collection
from layers.measured import figure_beside
from loaders.plan import Plan
from presentation.charts import CHART_TITLES, chart_svg
from presentation.tour import (Slide, Tour, check_tour, deadlines_by_lead, slide_extent, slide_figures, slide_only,
                               slide_places, tour_board)
from reports.fonts import NOTO_CJK, NOTO_CJK_SC_INDEX

#: Face of the Noto Sans CJK collection used for Simplified Chinese.
FONT_NAME = "TourCJK"
KEYS_HINT = "← → / PageUp PageDown / 空格 翻页 · F 全屏"


def _leaflet() -> tuple[str, str]:
    """Leaflet's script and style sheet text from the pinned offline package."""
    js = dict(folium.folium._default_js)["leaflet"]
    css = dict(folium.folium._default_css)["leaflet_css"]
    return resource_text(js).replace("</script", "<\\/script"), resource_text(css)


@functools.lru_cache(maxsize=8)
def font_face(chars: str) -> str:
    """An @font-face rule embedding Noto Sans CJK SC cut down to `chars` (WOFF, base64); empty if the font is missing."""
    if not NOTO_CJK.exists():
        return ""
    font = TTFont(str(NOTO_CJK), fontNumber=NOTO_CJK_SC_INDEX, lazy=True)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'@font-face{{font-family:"{FONT_NAME}";src:url(data:font/woff;base64,{data}) format("woff");}}'


def _bounds(extent: tuple[float, float, float, float]) -> list[list[float]]:
    """Leaflet's [[south, west], [north, east]] of a (west, south, east, north) extent (CGCS2000 ≈ WGS84 to centimetres)."""
    west, south, east, north = extent
    return [[south, west], [north, east]]


def _responsive(svg: str) -> str:
    """An SVG that scales to its box (width/height removed, viewBox kept)."""
    return re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)


def _figures_html(plan: Plan, slide: Slide, catalog=None, board=None) -> str:
    """The slide's key figures, each a big number with its label and source (and a measured total of corrected places beside it)."""
    items = []
    for f in slide_figures(plan, slide, board):
        measured = figure_beside(catalog, f.ref) if catalog is not None else None
        items.append(
            f'<div class="figure" data-ref="{html.escape(f.ref)}">'
            f'<div class="value"><span class="num">{html.escape(f.value)}</span>'
            f'<span class="unit">{html.escape(f.unit)}{html.escape(f.qualifier)}</span></div>'
            f'<div class="label">{html.escape(f.label)}</div>'
            f'<div class="source">{html.escape(f.source)}</div>'
            + (f'<div class="measured">{html.escape(measured.text)}</div>' if measured else "") + "</div>"
        )
    return f'<div class="figures">{"".join(items)}</div>' if items else ""


def _deadline_list_html(plan: Plan) -> str:
    """Every deadline of the plan grouped by lead unit."""
    groups = []
    for lead, rows in deadlines_by_lead(plan).items():
        lis = "".join(
            f'<li><b>{html.escape(r.deadline.by)}</b> {html.escape(r.text)}'
            f' <span class="source">措施 {html.escape(r.measure.id)}</span></li>'
            for r in rows
        )
        groups.append(f'<div class="deadline-group"><h3>{html.escape(lead)}</h3><ul>{lis}</ul></div>')
    return f'<div class="deadline-list">{"".join(groups)}</div>'


def _slide_html(plan: Plan, slide: Slide, index: int, total: int, charts: dict[str, str], catalog=None,
                board=None) -> str:
    """One slide's panel: title, text, figures, chart and list."""
    parts = [
        f'<h1 class="slide-title">{html.escape(slide.title)}</h1>',
        f'<p class="slide-text">{html.escape(slide.text)}</p>' if slide.text else "",
        _figures_html(plan, slide, catalog, board),
    ]
    if slide.chart:
        parts.append(f'<figure class="chart chart-{slide.chart}">{charts[slide.chart]}'
                     f'<figcaption>{html.escape(CHART_TITLES[slide.chart])}（据方案数据绘制）</figcaption></figure>')
    if slide.list == "deadlines":
        parts.append(_deadline_list_html(plan))
    wide = (" wide" if slide.chart or slide.list else "") + (" has-list" if slide.list else "")
    return (f'<section class="slide{wide}" data-index="{index}" aria-label="第 {index + 1} 页，共 {total} 页">'
            f'{"".join(parts)}</section>')


def _label_order(gdf, spec) -> list[int]:
    """Each feature's rank among its layer's labels: the largest area first, else the file's order."""
    if spec.geometry != "Polygon" or gdf.empty:
        return list(range(len(gdf)))
    areas = gdf.to_crs(MEASURE).area.to_numpy()
    order = sorted(range(len(gdf)), key=lambda k: -areas[k])
    return [order.index(k) for k in range(len(gdf))]


def _layer_data(catalog, layer_ids: list[str]) -> list[dict]:
    """The layers the tour shows, in registry (drawing) order, with their style, label rank and GeoJSON."""
    out = []
    ranks = label_ranks()
    for spec in LAYERS:
        if spec.id not in layer_ids:
            continue
        gdf = catalog.layers[spec.id]
        fc = feature_collection(gdf, spec)
        for feature, rank in zip(fc["features"], _label_order(gdf, spec)):
            feature["properties"]["_lrank"] = rank
        out.append({
            "id": spec.id, "title": spec.title, "geometry": spec.geometry, "color": spec.color,
            "fill": spec.fill_color, "fillOpacity": spec.fill_opacity, "weight": spec.weight,
            "radius": spec.radius, "labels": spec.labels, "plan": spec.plan, "rank": ranks[spec.id], "fc": fc,
        })
    return out


def tour_data(tour: Tour, plan: Plan, catalog, board=None) -> dict:
    """What the page's script needs: layers with GeoJSON, and per slide its layers, places, filter and bounds."""
    check_tour(tour, plan, set(catalog.features["id"]), set(BY_ID), board)
    slides = []
    needed: set[str] = set()
    for slide in tour.slides:
        places = slide_places(catalog, slide)
        needed |= set(slide.layers) | set(places["layer"])
        only = slide_only(catalog, plan, slide)
        slides.append({"title": slide.title, "layers": list(slide.layers), "places": list(places["id"]),
                       "only": sorted(only) if only is not None else None,
                       "bounds": _bounds(slide_extent(catalog, slide, plan))})
    return {"title": tour.title, "slides": slides, "layers": _layer_data(catalog, sorted(needed)), "note": map_note()}


def tour_html(tour: Tour, plan: Plan, catalog, start: int = 0, board=None) -> str:
    """The whole presentation as one HTML page that needs no server and no network (the progress board, when a
    slide shows progress, read once here unless given)."""
    board = tour_board(plan, tour, board)
    data = tour_data(tour, plan, catalog, board)
    charts = {name: _responsive(chart_svg(name, plan)) for name in {s.chart for s in tour.slides if s.chart}}
    total = len(tour.slides)
    slides_html = "".join(_slide_html(plan, s, i, total, charts, catalog, board) for i, s in enumerate(tour.slides))
    leaflet_js, leaflet_css = _leaflet()
    page = (
        _PAGE.replace("__TITLE__", html.escape(tour.title))
        .replace("__NOTE__", html.escape(data["note"]))
        .replace("__HINT__", KEYS_HINT)
        .replace("__SLIDES__", slides_html)
        .replace("__TOTAL__", str(total))
        .replace("__LEAFLET_CSS__", leaflet_css)
        .replace("__CSS__", _CSS)
    )
    data_json = json.dumps({**data, "start": max(0, min(start, total - 1))}, ensure_ascii=False).replace("</", "<\\/")
    chars = "".join(sorted(set(re.sub(r"<svg.*?</svg>", "", page, flags=re.S) + data_json)))
    return (page.replace("__FONT__", font_face(chars))
            .replace("__LEAFLET_JS__", leaflet_js)
            .replace("__DATA__", data_json)
            .replace("__SCRIPT__", DECLUTTER_JS + _SCRIPT))


_CSS = """
html,body{margin:0;height:100%;overflow:hidden;background:#fff;color:#1f2933;
  font-family:"TourCJK","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
#tour{display:grid;grid-template-columns:58fr 42fr;height:100vh;width:100vw}
body.wide #tour{grid-template-columns:40fr 60fr}
#map{height:100%;min-width:0;background:#f4f1ea}
#panel{--fit:1;position:relative;padding:3.5vh 2.6vw 9vh;overflow-y:auto;border-left:1px solid #dee2e6;min-width:0}
.slide{display:none}
.slide.active{display:block;animation:fade .5s}
@keyframes fade{from{opacity:0}to{opacity:1}}
.slide-title{font-size:calc(var(--fit) * clamp(28px,3.3vw,64px));line-height:1.2;margin:0 0 .5em}
.slide-text{font-size:calc(var(--fit) * clamp(18px,1.55vw,32px));line-height:1.6;margin:0 0 1em;color:#334155}
body.wide .slide-title{font-size:calc(var(--fit) * clamp(26px,2.8vw,56px))}
body.wide .slide-text{font-size:calc(var(--fit) * clamp(16px,1.3vw,26px))}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(calc(var(--fit) * clamp(180px,16vw,340px)),1fr));
  gap:calc(var(--fit) * 1.6vh) 1.6vw;margin-bottom:calc(var(--fit) * 2vh)}
.figure{border-left:.4vw solid #c92a2a;padding:.4vh 0 .4vh 1vw}
.figure .num{font-size:calc(var(--fit) * clamp(34px,3.6vw,76px));font-weight:bold;color:#c92a2a}
.figure .unit{font-size:calc(var(--fit) * clamp(18px,1.6vw,34px));color:#c92a2a;margin-left:.2em}
.figure .label{font-size:calc(var(--fit) * clamp(15px,1.2vw,24px));line-height:1.35}
.source{font-size:calc(var(--fit) * clamp(11px,.8vw,16px));color:#66788a}
.figure .measured{font-size:calc(var(--fit) * clamp(12px,.9vw,18px));color:#2b8a3e;line-height:1.4}
.chart{margin:0 0 1.5vh}
.chart svg{width:100%;height:auto;max-height:calc(var(--fit) * 52vh);display:block}
.has-list .chart svg{max-height:calc(var(--fit) * 40vh)}
.chart figcaption{font-size:calc(var(--fit) * clamp(12px,.9vw,18px));color:#66788a}
.deadline-list{columns:2;column-gap:2vw;font-size:calc(var(--fit) * clamp(14px,1.05vw,22px))}
.deadline-group{break-inside:avoid;margin-bottom:1vh}
.deadline-group h3{margin:.2em 0;font-size:1.1em}
.deadline-group ul{margin:0;padding-left:1.2em}
#note{position:fixed;left:1vw;bottom:1.5vh;z-index:1000;background:rgba(255,255,255,.9);padding:.3em .7em;
  border-radius:4px;font-size:clamp(13px,1vw,20px);color:#a61e1e;border:1px solid #e03131}
#counter{position:fixed;right:1.5vw;bottom:1.5vh;z-index:1000;font-size:clamp(18px,1.5vw,30px);color:#334155;
  background:rgba(255,255,255,.9);padding:.1em .5em;border-radius:4px}
#hint{position:fixed;right:1.5vw;top:1vh;z-index:1000;font-size:12px;color:#99a}
#nav{position:fixed;right:8vw;bottom:1.2vh;z-index:1000}
#nav button{font:inherit;font-size:clamp(16px,1.3vw,26px);padding:.1em .6em;margin-left:.3em;cursor:pointer}
.chaohu-label{background:none;border:none;box-shadow:none;padding:0 2px;font-size:clamp(12px,1vw,20px);font-weight:bold;
  color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff}
.chaohu-label.base{font-weight:normal;color:#444}
.chaohu-label:before{display:none}
"""

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>__TITLE__</title>
<style>__FONT__</style>
<style>__LEAFLET_CSS__</style>
<style>__CSS__</style>
<script>__LEAFLET_JS__</script>
</head><body tabindex="-1">
<div id="tour"><div id="map"></div><div id="panel">__SLIDES__</div></div>
<div id="note" class="tour-note">__NOTE__</div>
<div id="nav"><button id="prev" title="上一页">‹</button><button id="next" title="下一页">›</button><button id="fullscreen" title="全屏">全屏</button></div>
<div id="counter"><span id="counter-index">1</span> / <span id="counter-total">__TOTAL__</span></div>
<div id="hint">__HINT__</div>
<script id="tour-data" type="application/json">__DATA__</script>
<script>__SCRIPT__</script>
</body></html>
"""

_SCRIPT = """
(function () {
  const DATA = JSON.parse(document.getElementById('tour-data').textContent);
  const mapEl = document.getElementById('map'), panel = document.getElementById('panel');
  const map = L.map('map', {zoomControl: false, attributionControl: false, zoomSnap: 0.25, preferCanvas: false});
  const FIT = {padding: [40, 40], maxZoom: 13};
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
        return L.circleMarker(ll, Object.assign(s, {radius: spec.radius * (emphasis ? 1.8 : 1),
          fillOpacity: spec.fillOpacity, color: emphasis ? '#ffd000' : s.color}));
      },
      onEachFeature: function (f, layer) {
        if (emphasis) return;
        (features[f.properties.id] = features[f.properties.id] || []).push({spec: spec, feature: f});
        if (spec.labels) {
          layer.bindTooltip(f.properties.name, {permanent: true, direction: 'center',
            className: 'chaohu-label' + (spec.plan ? '' : ' base'), interactive: false,
            chaohu: {id: f.properties.id, rank: spec.rank * 1000 + (f.properties._lrank || 0), point: spec.geometry === 'Point'}});
        }
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
  const tour = {index: -1, slides: DATA.slides, map: map, moving: false, userMoved: false};
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
  // labels: the slide's own places first, then by layer and size; colliding ones move around their point or hide
  tour.declutter = function () {
    const box = mapEl.getBoundingClientRect(), items = [];
    const places = new Set(tour.index >= 0 ? DATA.slides[tour.index].places : []);
    drawn.forEach(function (group) {
      group.eachLayer(function (l) {
        const t = l.getTooltip && l.getTooltip();
        if (!t || !t.getElement() || !map.hasLayer(t)) return;
        const info = t.options.chaohu;
        let anchor = null;
        if (info.point) { const p = map.latLngToContainerPoint(l.getLatLng()); anchor = {x: p.x + box.left, y: p.y + box.top}; }
        items.push({el: t.getElement(), priority: (places.has(info.id) ? 0 : 1e6) + info.rank, anchor: anchor,
                     gap: info.point ? l.getRadius() * (places.has(info.id) ? 1.8 : 1) : 0});
      });
    });
    const note = document.getElementById('note');
    tour.labels = window.chaohuDeclutter(mapEl, items, [note.getBoundingClientRect()]);
    return tour.labels;
  };
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
    document.getElementById('counter-index').textContent = String(i + 1);
    const first = tour.index < 0;
    tour.index = i;
    tour.userMoved = false;
    try { history.replaceState(null, '', '#' + (i + 1)); } catch (e) {}
    frame(i, first ? false : animate);
  };
  tour.next = function () { tour.go(tour.index + 1); };
  tour.prev = function () { tour.go(tour.index - 1); };
  // the presenter zooms or pans: labels follow; the window or frame is resized: the slide is fitted again
  map.on('zoomend moveend', function () { if (!tour.moving) tour.declutter(); });
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
"""
