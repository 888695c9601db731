/* react-dropzone renders its file <input> without a label and Reflex gives no way to
   pass one: name it from the data-file-label of its drop zone (kept up to date when
   the language changes). */
(function () {
  function fix() {
    document.querySelectorAll("[data-file-label]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      var label = zone.getAttribute("data-file-label");
      if (input && input.getAttribute("aria-label") !== label) {
        input.setAttribute("aria-label", label);
      }
    });
  }
  new MutationObserver(fix).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-file-label"],
  });
})();

/* Share buttons: the Web Share API where the browser has it, else copy the link. */
window.__smShare = function () {
  var el = document.getElementById("share-data");
  if (!el) return;
  var data = { title: el.dataset.title, url: el.dataset.url };
  if (navigator.share) {
    navigator.share(data).catch(function () {});
  } else if (navigator.clipboard) {
    navigator.clipboard.writeText(data.url);
  }
};

/* Live countdowns: <span data-countdown="ISO 8601"> shows the time left, once a
   second, in the page (no server round trip). At zero it shows its data-ended text and
   marks the enclosing [data-offer] "over" (its buy button is then hidden by CSS; the
   server refuses late purchases anyway). */
(function () {
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(end)) return;
      var left = Math.max(0, Math.floor((end - now) / 1000));
      var text;
      if (left === 0) {
        text = el.getAttribute("data-ended") || "0:00:00";
        var card = el.closest("[data-offer]");
        if (card && el.getAttribute("data-kind") !== "start") card.setAttribute("data-over", "true");
      } else {
        var d = Math.floor(left / 86400);
        var h = Math.floor((left % 86400) / 3600);
        var m = Math.floor((left % 3600) / 60);
        var s = left % 60;
        text = (d > 0 ? d + " " + (el.getAttribute("data-days") || "d") + " " : "") +
          pad(h) + ":" + pad(m) + ":" + pad(s);
      }
      if (el.textContent !== text) el.textContent = text;
    });
  }
  setInterval(tick, 1000);
  new MutationObserver(function () {
    tick();
  }).observe(document.documentElement, { subtree: true, childList: true });
})();
