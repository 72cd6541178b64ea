// The review desk: a cell's evidence opens beside the tables without leaving the page.
"use strict";
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-evidence]");
  const panel = document.getElementById("evidence");
  if (!link || !panel || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  document.querySelectorAll("td.selected").forEach((td) => td.classList.remove("selected"));
  link.parentElement.classList.add("selected");
  panel.classList.add("loading");
  try {
    const response = await fetch(link.href + "?part=1", { credentials: "same-origin" });
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    panel.replaceChildren(...doc.body.childNodes);
    panel.scrollIntoView({ block: "nearest" });
  } catch (error) {
    window.location.href = link.href;
  } finally {
    panel.classList.remove("loading");
  }
});
