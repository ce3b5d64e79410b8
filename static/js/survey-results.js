/* One bar chart per question distribution (data from the page's JSON). */
(function () {
  "use strict";
  var source = document.getElementById("survey-chart-data");
  if (!source || typeof Chart === "undefined") return;
  JSON.parse(source.textContent).forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: [{ data: chart.counts, backgroundColor: "#1f5fa8" }] },
      options: {
        indexAxis: chart.labels.length > 6 && chart.labels.some(function (l) { return l.length > 4; }) ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } }
      }
    });
  });
})();
