if (!L.Canvas.Tile.prototype._chaohuOverzoom) {
  L.Canvas.Tile.prototype._chaohuOverzoom = true;
  L.Canvas.Tile.prototype._tilePoint = function (e) {
    var m = this._map, k = m.getZoomScale(m.getZoom(), this._tileCoord.z);
    return m.mouseEventToLayerPoint(e).add(m.getPixelOrigin()).divideBy(k).subtract(this._tileCoord.scaleBy(this._size));
  };
  L.Canvas.Tile.prototype._onClick = function (e) {
    var point = this._tilePoint(e), layer, clicked;
    for (var id in this._layers) {
      layer = this._layers[id];
      if (layer.options.interactive && layer._containsPoint(point) && !this._map._draggableMoved(layer)) { clicked = layer; }
    }
    if (clicked) { if (L.DomEvent.fakeStop) { L.DomEvent.fakeStop(e); } this._fireEvent([clicked], e); }
  };
  L.Canvas.Tile.prototype._onMouseMove = function (e) {
    if (!this._map || this._map.dragging.moving() || this._map._animatingZoom) { return; }
    this._handleMouseHover(e, this._tilePoint(e));
  };
  var fire = L.Canvas.Tile.prototype._fireEvent;
  L.Canvas.Tile.prototype._fireEvent = function (layers, e, type) {
    for (var i = 0; i < layers.length; i++) {
      var l = layers[i];
      if (l.getLatLng && !l._latlng && l._point) {
        l._latlng = this._map.unproject(this._tileCoord.scaleBy(this._size).add(l._point), this._tileCoord.z);
      }
    }
    return fire.call(this, layers, e, type);
  };
}
