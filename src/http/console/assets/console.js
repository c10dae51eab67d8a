// The rules editor grows with its text and keeps its line numbers in step while
// typing; the parts of a page marked data-refresh are brought up to date while it is
// shown. Everything else in the console works without JavaScript, and a reload shows
// the same.
document.addEventListener("DOMContentLoaded", () => {
  const text = document.getElementById("source");
  const gutter = document.querySelector(".editor .gutter");
  if (!text || !gutter) return;
  text.addEventListener("input", () => {
    const lines = text.value.split("\n").length;
    text.rows = lines + 1;
    while (gutter.children.length < lines) {
      const li = document.createElement("li");
      li.textContent = String(gutter.children.length + 1);
      gutter.appendChild(li);
    }
    while (gutter.children.length > lines) gutter.lastElementChild.remove();
  });
});

// Every 20 s while the page is in view, the page is fetched again and each part marked
// data-refresh (with an id) replaced by its new version; nothing else is touched.
document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector("[data-refresh][id]")) return;
  const refresh = async () => {
    if (document.hidden) return;
    const answer = await fetch(location.href, { credentials: "same-origin" });
    if (!answer.ok || answer.redirected) return;
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    for (const part of document.querySelectorAll("[data-refresh][id]")) {
      const next = fresh.getElementById(part.id);
      if (next) part.replaceWith(document.importNode(next, true));
    }
    document.documentElement.dataset.refreshed = String(Date.now());
  };
  setInterval(() => refresh().catch(() => {}), 20000);
});
