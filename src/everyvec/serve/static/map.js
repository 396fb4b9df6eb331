/*
 * everyvec explorer, the map: points on a <canvas> with hover, zoom, pan and highlights.
 *
 * Coordinates live in typed arrays; every frame redraws all points in one path (squares
 * beyond 3,000 visible points, where arcs get slow), then the highlighted query and
 * neighbours, then ordinary labels once few enough points are in view, placed greedily
 * (most frequent first) on a coarse occupancy grid so they never overlap. Hover finds the
 * nearest point by a linear scan in screen space (well under a millisecond for 20k points).
 * Drawing uses CSS pixels scaled by devicePixelRatio; colours come from CSS variables, so the
 * map follows the page's light or dark theme.
 */
(function () {
  "use strict";

  /**
   * Draw points on `parts.canvas` (inside `parts.wrap`, which sets its size) and handle
   * hover (`parts.tooltip`), zoom, pan and clicks (`onPick(key)`); `parts.note` and
   * `parts.overlays` are kept free of labels; `parts.zoomIn`, `parts.zoomOut` and
   * `parts.reset` are buttons.
   */
  function createMap(parts, onPick) {
    const { canvas, wrap, tooltip, note } = parts;
    const ctx = canvas.getContext("2d");

    let keys = [];
    let xs = new Float32Array(0);
    let ys = new Float32Array(0);
    let indexOf = new Map();
    let centre = [0, 0];
    let span = [1, 1];
    let width = 0; // CSS pixels
    let height = 0;
    // View: screen = (ox + k * (x - cx), oy - k * (y - cy)); y grows upwards in the data.
    let view = { k: 1, ox: 0, oy: 0 };
    let fitK = 1;
    let moved = false; // zoomed or panned by the user since the last fit
    let query = null;
    let hits = [];
    let hovered = -1;
    let frame = 0;
    const labelWidths = new Map();

    function colours() {
      const style = getComputedStyle(document.documentElement);
      const get = (name) => style.getPropertyValue(name).trim();
      return {
        bg: get("--map-bg"), point: get("--map-point"), label: get("--map-label"),
        hit: get("--map-hit"), query: get("--map-query"), hover: get("--map-hover"),
      };
    }

    function fit() {
      const margin = 28;
      const kx = (width - 2 * margin) / span[0];
      const ky = (height - 2 * margin) / span[1];
      fitK = Math.max(1e-9, Math.min(kx, ky));
      view = { k: fitK, ox: width / 2, oy: height / 2 };
      moved = false;
    }

    function toScreen(i) {
      return [view.ox + view.k * (xs[i] - centre[0]), view.oy - view.k * (ys[i] - centre[1])];
    }

    function resize() {
      const rect = wrap.getBoundingClientRect();
      const w = Math.max(1, Math.round(rect.width));
      const h = Math.max(1, Math.round(rect.height));
      if (w === width && h === height) return;
      // Keep the centre of the picture in the centre of the resized canvas.
      view.ox += (w - width) / 2;
      view.oy += (h - height) / 2;
      width = w;
      height = h;
      const dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      if (!moved) fit(); // an untouched picture keeps filling the canvas
      redraw();
    }

    function redraw() {
      if (!frame) frame = window.requestAnimationFrame(draw);
    }

    function measure(key) {
      let w = labelWidths.get(key);
      if (w === undefined) {
        w = ctx.measureText(key).width;
        labelWidths.set(key, w);
      }
      return w;
    }

    // Labels avoid each other through a coarse occupancy grid of CELL-pixel squares.
    const CELL = 6;

    function place(occupied, x, y, w, h) {
      const x0 = Math.floor(x / CELL), x1 = Math.floor((x + w) / CELL);
      const y0 = Math.floor(y / CELL), y1 = Math.floor((y + h) / CELL);
      for (let gx = x0; gx <= x1; gx++) {
        for (let gy = y0; gy <= y1; gy++) {
          if (occupied.has(gx * 100003 + gy)) return false;
        }
      }
      for (let gx = x0; gx <= x1; gx++) {
        for (let gy = y0; gy <= y1; gy++) occupied.add(gx * 100003 + gy);
      }
      return true;
    }

    function drawLabel(text, x, y, colour, halo) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = halo;
      ctx.strokeText(text, x, y);
      ctx.fillStyle = colour;
      ctx.fillText(text, x, y);
    }

    function draw() {
      frame = 0;
      const c = colours();
      const dpr = window.devicePixelRatio || 1;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = c.bg;
      ctx.fillRect(0, 0, width, height);
      const n = keys.length;
      if (!n) return;

      const zoom = view.k / fitK;
      // Fewer points can afford bigger dots; zooming in grows them a little.
      const base = n <= 500 ? 2.8 : n <= 5000 ? 2.1 : 1.6;
      const r = Math.min(base + 2, base + 0.45 * Math.log2(Math.max(1, zoom)));
      const visible = [];
      for (let i = 0; i < n; i++) {
        const x = view.ox + view.k * (xs[i] - centre[0]);
        const y = view.oy - view.k * (ys[i] - centre[1]);
        if (x < -r || y < -r || x > width + r || y > height + r) continue;
        visible.push(i);
      }
      // One path for all dots; squares when there are many (arcs cost ~10x more to fill).
      const round = visible.length <= 3000;
      ctx.fillStyle = c.point;
      ctx.beginPath();
      for (const i of visible) {
        const x = view.ox + view.k * (xs[i] - centre[0]);
        const y = view.oy - view.k * (ys[i] - centre[1]);
        if (round) {
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        } else {
          ctx.rect(x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
        }
      }
      ctx.fill();

      ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      ctx.textBaseline = "middle";
      const occupied = new Set();
      // Keep labels off the zoom buttons and the note drawn over the canvas.
      const origin = canvas.getBoundingClientRect();
      for (const overlay of [...parts.overlays, note]) {
        const b = overlay.getBoundingClientRect();
        if (b.width && b.height) {
          place(occupied, b.left - origin.left, b.top - origin.top, b.width, b.height);
        }
      }

      // Highlighted points go on top, and their labels claim space first.
      const marks = [];
      for (const key of hits) {
        const i = indexOf.get(key);
        if (i !== undefined && key !== query) marks.push([i, c.hit, 4.5, "500"]);
      }
      if (query !== null && indexOf.has(query)) marks.push([indexOf.get(query), c.query, 6.5, "700"]);
      for (const [i, colour, size] of marks) {
        const [x, y] = toScreen(i);
        ctx.beginPath();
        ctx.arc(x, y, size, 0, 2 * Math.PI);
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = c.bg;
        ctx.stroke();
      }
      // Highlighted labels are always drawn: try a few spots around the point, and stack
      // them below it when points coincide (e.g. two words at the same projected spot).
      // Label order: the query, then the neighbours best first.
      const labelOrder = marks.length && marks[marks.length - 1][1] === c.query
        ? [marks[marks.length - 1], ...marks.slice(0, -1)] : marks;
      for (const [i, colour, size, weight] of labelOrder) {
        const [x, y] = toScreen(i);
        ctx.font = `${weight} 13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`;
        const w = ctx.measureText(keys[i]).width;
        const gap = size + 3;
        const spots = [[x + gap, y], [x - gap - w, y], [x - w / 2, y - gap - 7],
                       [x - w / 2, y + gap + 7]];
        for (let row = 1; row <= 6; row++) {
          spots.push([x + gap, y + 15 * row], [x + gap, y - 15 * row],
                     [x - gap - w, y + 15 * row], [x - gap - w, y - 15 * row]);
        }
        const inside = ([lx, ly]) => lx >= 0 && ly >= 8 && lx + w <= width && ly + 8 <= height;
        const spot = spots.find((p) => inside(p) && place(occupied, p[0] - 1, p[1] - 8, w + 2, 16)) ||
                     spots[0];
        drawLabel(keys[i], spot[0], spot[1], colour, c.bg);
      }
      for (const [i, , size] of marks) {
        const [x, y] = toScreen(i);
        place(occupied, x - size, y - size, 2 * size, 2 * size);
      }

      // Ordinary labels once few enough points are in view, most frequent (first rows) first.
      ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      if (visible.length <= 1500) {
        let drawn = 0;
        for (const i of visible) {
          if (drawn >= 300) break;
          const [x, y] = toScreen(i);
          const w = measure(keys[i]);
          if (!place(occupied, x + r + 1, y - 7, w + 2, 14)) continue;
          drawLabel(keys[i], x + r + 2, y, c.label, c.bg);
          drawn++;
        }
      }

      if (hovered >= 0) {
        const [x, y] = toScreen(hovered);
        ctx.beginPath();
        ctx.arc(x, y, r + 3, 0, 2 * Math.PI);
        ctx.lineWidth = 2;
        ctx.strokeStyle = c.hover;
        ctx.stroke();
      }
    }

    function nearest(mx, my, radius) {
      let best = -1;
      let bestD = radius * radius;
      for (let i = 0; i < keys.length; i++) {
        const dx = view.ox + view.k * (xs[i] - centre[0]) - mx;
        const dy = view.oy - view.k * (ys[i] - centre[1]) - my;
        const d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
      return best;
    }

    function setHover(i) {
      if (i === hovered) return;
      hovered = i;
      if (i < 0) {
        tooltip.hidden = true;
        delete canvas.dataset.hovered;
        canvas.style.cursor = "";
      } else {
        const [x, y] = toScreen(i);
        tooltip.textContent = keys[i];
        tooltip.style.left = `${x}px`;
        tooltip.style.top = `${y}px`;
        tooltip.hidden = false;
        // Flip the tooltip to stay inside the map near its right and top edges.
        tooltip.classList.toggle("flip-x", x + 14 + tooltip.offsetWidth > width);
        tooltip.classList.toggle("flip-y", y - 8 - tooltip.offsetHeight * 1.3 < 0);
        canvas.dataset.hovered = keys[i];
        canvas.style.cursor = "pointer";
      }
      redraw();
    }

    function zoomAt(mx, my, factor) {
      const k = Math.min(fitK * 5000, Math.max(fitK * 0.5, view.k * factor));
      const f = k / view.k;
      view = { k, ox: mx - (mx - view.ox) * f, oy: my - (my - view.oy) * f };
      moved = true;
      setHover(-1);
      redraw();
    }

    function pan(dx, dy) {
      view.ox += dx;
      view.oy += dy;
      moved = true;
      redraw();
    }

    function localPoint(event) {
      const rect = canvas.getBoundingClientRect();
      return [event.clientX - rect.left, event.clientY - rect.top];
    }

    let drag = null;

    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      const [x, y] = localPoint(event);
      drag = { x, y, startX: x, startY: y, moved: false };
      canvas.setPointerCapture(event.pointerId);
    });

    canvas.addEventListener("pointermove", (event) => {
      const [x, y] = localPoint(event);
      if (drag) {
        if (!drag.moved && Math.hypot(x - drag.startX, y - drag.startY) > 4) {
          drag.moved = true;
          canvas.classList.add("dragging");
          setHover(-1);
        }
        if (drag.moved) pan(x - drag.x, y - drag.y);
        drag.x = x;
        drag.y = y;
        return;
      }
      setHover(nearest(x, y, 12));
    });

    function endDrag(event, cancelled) {
      if (!drag) return;
      const clicked = !drag.moved && !cancelled;
      drag = null;
      canvas.classList.remove("dragging");
      if (clicked) {
        const [x, y] = localPoint(event);
        const i = nearest(x, y, 12);
        if (i >= 0) onPick(keys[i]);
      }
    }

    canvas.addEventListener("pointerup", (event) => endDrag(event, false));
    canvas.addEventListener("pointercancel", (event) => endDrag(event, true));
    canvas.addEventListener("pointerleave", () => {
      if (!drag) setHover(-1);
    });

    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      const [x, y] = localPoint(event);
      const step = event.deltaMode === 1 ? 0.05 : event.deltaMode === 2 ? 1 : 0.002;
      zoomAt(x, y, Math.exp(-event.deltaY * step));
    }, { passive: false });

    canvas.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40],
                      ArrowDown: [0, -40] };
      if (event.key === "+" || event.key === "=") zoomAt(width / 2, height / 2, 1.5);
      else if (event.key === "-" || event.key === "_") zoomAt(width / 2, height / 2, 1 / 1.5);
      else if (event.key === "0") reset();
      else if (moves[event.key]) pan(...moves[event.key]);
      else return;
      event.preventDefault();
    });

    function reset() {
      fit();
      setHover(-1);
      redraw();
    }

    parts.reset.addEventListener("click", reset);
    parts.zoomIn.addEventListener("click", () => zoomAt(width / 2, height / 2, 1.5));
    parts.zoomOut.addEventListener("click", () => zoomAt(width / 2, height / 2, 1 / 1.5));

    if (window.ResizeObserver) new ResizeObserver(resize).observe(wrap);
    window.addEventListener("resize", resize);

    function publishHighlight() {
      const shown = [];
      if (query !== null && indexOf.has(query)) shown.push(query);
      for (const key of hits) {
        if (key !== query && indexOf.has(key)) shown.push(key);
      }
      canvas.dataset.highlighted = JSON.stringify(shown);
      canvas.dataset.query = query === null ? "" : query;
    }

    return {
      setData(data) {
        const n = Math.min(data.keys.length, data.x.length, data.y.length);
        keys = data.keys.slice(0, n).map(String);
        xs = Float32Array.from(data.x.slice(0, n), Number);
        ys = Float32Array.from(data.y.slice(0, n), Number);
        indexOf = new Map(keys.map((key, i) => [key, i]));
        let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) continue;
          minX = Math.min(minX, xs[i]); maxX = Math.max(maxX, xs[i]);
          minY = Math.min(minY, ys[i]); maxY = Math.max(maxY, ys[i]);
        }
        if (!Number.isFinite(minX)) { minX = maxX = minY = maxY = 0; }
        centre = [(minX + maxX) / 2, (minY + maxY) / 2];
        span = [Math.max(maxX - minX, 1e-9), Math.max(maxY - minY, 1e-9)];
        hovered = -1;
        tooltip.hidden = true;
        canvas.dataset.points = String(n);
        canvas.dataset.method = String(data.method || "");
        resize();
        fit();
        publishHighlight();
        redraw();
      },
      setHighlight(key, neighbours) {
        query = key;
        hits = neighbours.filter((k) => typeof k === "string");
        publishHighlight();
        redraw();
      },
      setNote(text) {
        note.textContent = text;
      },
      /** Where a key is drawn, in CSS pixels from the canvas's top-left corner (or null). */
      positionOf(key) {
        const i = indexOf.get(key);
        if (i === undefined) return null;
        const [x, y] = toScreen(i);
        return { x, y };
      },
    };
  }

  window.EveryvecMap = { createMap };
})();
