/**
 * The report page's only script besides uPlot: it reads the chart specs from the JSON
 * block and draws each one. Plain ES5-style JavaScript kept as text, because it runs in
 * the browser, not in Node; page.ts hashes it for the Content-Security-Policy.
 */
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('aifb-data').textContent);
  var palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
  var dpr = window.devicePixelRatio || 1;
  var drawn = [];

  function kneePlugin(knee) {
    return { hooks: { draw: [function (u) {
      var x = u.valToPos(knee.x, 'x', true);
      var y = u.valToPos(knee.y, 'y', true);
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#111827';
      ctx.fillStyle = '#111827';
      ctx.setLineDash([5 * dpr, 4 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.arc(x, y, 5 * dpr, 0, 2 * Math.PI);
      ctx.fill();
      ctx.font = (12 * dpr) + 'px sans-serif';
      ctx.fillText(knee.label, x + 6 * dpr, u.bbox.top + 14 * dpr);
      ctx.restore();
    }] } };
  }

  function linesPlugin(lines) {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#b91c1c';
      ctx.fillStyle = '#b91c1c';
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash([8 * dpr, 4 * dpr]);
      ctx.font = (12 * dpr) + 'px sans-serif';
      lines.forEach(function (l) {
        var y = u.valToPos(l.y, 'y', true);
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, y);
        ctx.lineTo(u.bbox.left + u.bbox.width, y);
        ctx.stroke();
        ctx.fillText(l.label, u.bbox.left + 6 * dpr, y - 4 * dpr);
      });
      ctx.restore();
    }] } };
  }

  // uPlot shows "--" in the legend where the cursor has no value: show nothing instead.
  function legendValue(u, v) {
    if (v == null) return '';
    var a = Math.abs(v);
    return a >= 100 || a === 0 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toPrecision(3);
  }

  function make(el, spec) {
    var series = [{ label: spec.x.label, value: legendValue }];
    spec.series.forEach(function (s, i) {
      var c = palette[i % palette.length];
      var o = { label: s.label, stroke: c, width: 1.5, spanGaps: spec.kind === 'points', value: legendValue };
      if (spec.kind === 'bars') {
        o.paths = uPlot.paths.bars({ size: [0.9, 80] });
        o.fill = c + '99';
        o.points = { show: false };
      } else if (spec.kind === 'points') {
        o.points = { show: true, size: 7, fill: c };
      }
      series.push(o);
    });
    var yScale = { distr: spec.y.log ? 3 : 1 };
    var top = 0;
    (spec.lines || []).forEach(function (l) { top = Math.max(top, l.y); });
    if (spec.y.zero || top > 0) {
      yScale.range = function (u, min, max) {
        var hi = Math.max(max == null ? 0 : max, top) * 1.08 || 1;
        var lo = spec.y.zero || min == null ? 0 : Math.min(min, hi) * 0.9;
        return [lo, hi];
      };
    }
    var opts = {
      width: Math.max(280, el.clientWidth || 560),
      height: 250,
      scales: { x: { time: false, distr: spec.x.log ? 3 : 1 }, y: yScale },
      axes: [{ label: spec.x.label }, { label: spec.y.label, size: 64 }],
      series: series,
      plugins: (spec.knee ? [kneePlugin(spec.knee)] : []).concat(spec.lines ? [linesPlugin(spec.lines)] : [])
    };
    return new uPlot(opts, [spec.xs].concat(spec.series.map(function (s) { return s.ys; })), el);
  }

  var slots = document.querySelectorAll('.chart');
  for (var i = 0; i < slots.length; i++) {
    var el = slots[i];
    var spec = data.charts[Number(el.getAttribute('data-chart'))];
    if (spec) drawn.push([el, make(el, spec)]);
  }
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      drawn.forEach(function (d) { d[1].setSize({ width: Math.max(280, d[0].clientWidth), height: 250 }); });
    }, 100);
  });
  document.documentElement.setAttribute('data-charts-drawn', String(drawn.length));
})();
`;
