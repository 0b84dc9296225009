// A table wider than the text column (on a phone, most with three or more
// columns) is shown row by row instead: each row a block, each cell on its own
// line, labelled with its column's header (glowlab.css, table.stacked), so no
// column hides behind a sideways scroll.
function stackWideTables() {
  for (const table of document.querySelectorAll(".bd-article table")) {
    const headers = Array.from(table.querySelectorAll("thead th")).map((th) =>
      th.innerText.trim(),
    );
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.children).forEach((cell, i) => {
        if (headers[i]) cell.dataset.label = headers[i];
      });
    }
    table.classList.remove("stacked");
    const box = table.parentElement;
    if (table.scrollWidth > box.clientWidth + 1) table.classList.add("stacked");
  }
}
// After MathJax has typeset (formulas set a table's width), and on resizing.
window.addEventListener("load", () => {
  const typeset = window.MathJax?.startup?.promise ?? Promise.resolve();
  typeset.then(stackWideTables);
});
window.addEventListener("resize", stackWideTables);
