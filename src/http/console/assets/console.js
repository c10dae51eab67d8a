// The rules editor grows with its text and keeps its line numbers in step while
// typing. Everything else in the console works without JavaScript.
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
