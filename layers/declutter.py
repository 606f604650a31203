"""Map labels that never overlap: the browser places them by priority, moves a point's label around its point,
hides what still collides, and does it again after every zoom and pan (so more labels appear as one zooms in).

`DECLUTTER_JS` defines `window.chaohuDeclutter(container, items, obstacles)`; the presentation page
(presentation/tour_html.py) calls it with its tooltips, `Declutter` adds it to a Folium map whose labels are
the `.chaohu-label` divs of layers/mapview.py (the standalone HTML export, reports/html_export.py).
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from folium.template import Template

from core.declarations import LAYERS, LayerSpec


def label_ranks(specs: tuple[LayerSpec, ...] = LAYERS) -> dict[str, int]:
    """Which labels win a collision, by layer (lower first): plan layers in declaration order, then the base layers."""
    ordered = [s for s in specs if s.plan] + [s for s in specs if not s.plan]
    return {s.id: n for n, s in enumerate(ordered)}


#: items: [{el, priority, anchor: {x, y} | null, gap}] — `anchor` is a point label's point on the page, where the
#: label may sit above, below, right or left of it; area labels (no anchor) stay near their place.
#: obstacles: page rectangles no label may cover (the map note …). Returns {shown, hidden, crowded}: crowded
#: counts the hidden labels whose place is in view (left out for want of room, not for being off the map).
DECLUTTER_JS = r"""
window.chaohuDeclutter = function (container, items, obstacles) {
  const PAD = 2, MARK = 5;
  const box = container.getBoundingClientRect();
  items.forEach(function (it) { it.el.style.visibility = ''; it.el.style.marginLeft = ''; it.el.style.marginTop = ''; });
  const live = items.map(function (it, k) { return {it: it, k: k, r: it.el.getBoundingClientRect()}; })
                    .filter(function (x) { return x.r.width > 0 && x.r.height > 0; });
  live.sort(function (a, b) { return (a.it.priority - b.it.priority) || (a.k - b.k); });
  const placed = (obstacles || []).map(function (r) { return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; });
  live.forEach(function (x) {  // no label covers a labelled point
    const a = x.it.anchor, m = Math.max(MARK, x.it.gap || 0);
    if (a) placed.push({left: a.x - m, right: a.x + m, top: a.y - m, bottom: a.y + m});
  });
  function inside(c) { return c.left >= box.left && c.right <= box.right && c.top >= box.top && c.bottom <= box.bottom; }
  function free(c) {
    for (let i = 0; i < placed.length; i++) {
      const q = placed[i];
      if (c.left < q.right + PAD && q.left < c.right + PAD && c.top < q.bottom + PAD && q.top < c.bottom + PAD) return false;
    }
    return true;
  }
  let shown = 0, crowded = 0;
  live.forEach(function (x) {
    const r = x.r, w = r.width, h = r.height, a = x.it.anchor, g = Math.max(MARK, x.it.gap || 0) + PAD + 1;
    const spots = [];
    if (a) {  // above, below, right, left of the point
      spots.push([a.x - w / 2, a.y - g - h], [a.x - w / 2, a.y + g], [a.x + g, a.y - h / 2], [a.x - g - w, a.y - h / 2]);
    } else {  // where it is, a line higher or lower, or pulled inside the map
      spots.push([r.left, r.top], [r.left, r.top - h], [r.left, r.top + h],
                 [Math.min(Math.max(r.left, box.left), box.right - w), Math.min(Math.max(r.top, box.top), box.bottom - h)]);
    }
    for (let i = 0; i < spots.length; i++) {
      const c = {left: spots[i][0], top: spots[i][1], right: spots[i][0] + w, bottom: spots[i][1] + h};
      if (inside(c) && free(c)) {
        x.it.el.style.marginLeft = (c.left - r.left) + 'px';
        x.it.el.style.marginTop = (c.top - r.top) + 'px';
        placed.push(c);
        shown += 1;
        return;
      }
    }
    x.it.el.style.visibility = 'hidden';
    const c = a || {x: r.left + w / 2, y: r.top + h / 2};
    if (c.x >= box.left && c.x <= box.right && c.y >= box.top && c.y <= box.bottom) crowded += 1;  // in view, no room
  });
  return {shown: shown, hidden: live.length - shown, crowded: crowded};
};
"""


class Declutter(MacroElement):
    """Declutters a Folium map's `.chaohu-label` labels (layers/mapview.py) after it loads and after every move.

    The labels get their text's width (they are 0 px wide inside their 0 px icon otherwise), so that they can be
    measured and centred on their place.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>.chaohu-label{width:max-content}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        (function (map) {
          const ranks = {{ this.ranks }}, points = {{ this.points }};
          function run() {
            const container = map.getContainer();
            const items = Array.from(container.querySelectorAll('.chaohu-label')).map(function (el) {
              const layer = el.getAttribute('data-layer') || '';
              const icon = el.parentElement.getBoundingClientRect();
              return {el: el, priority: layer in ranks ? ranks[layer] : 99,
                      anchor: points.indexOf(layer) >= 0 ? {x: icon.left, y: icon.top} : null, gap: 6};
            });
            // nothing under the legend, the title, the note or a control
            const cover = Array.from(document.querySelectorAll(
              '.chaohu-legend, .chaohu-town-title, .chaohu-map-note, .leaflet-control')).map(function (e) {
              return e.getBoundingClientRect(); });
            window.chaohuLabels = window.chaohuDeclutter(container, items, cover);
          }
          map.on('zoomend moveend resize', run);
          map.whenReady(function () { setTimeout(run, 0); });
          window.chaohuDeclutterMap = run;
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, specs: tuple[LayerSpec, ...] = LAYERS):
        super().__init__()
        self._name = "Declutter"
        self.js = DECLUTTER_JS
        self.ranks = json.dumps(label_ranks(specs))
        self.points = json.dumps([s.id for s in specs if s.geometry == "Point"])
