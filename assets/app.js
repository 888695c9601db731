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
