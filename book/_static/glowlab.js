// The site's own script (glowlab.css has its styles). tests/site checks each
// function's effect at 390 px (a phone) and 1400 px.

// A formula wider than its column (a long inline formula on a phone) is set
// smaller until it fits, down to 60% of its size; MathJax 3 cannot break
// lines, and the page cannot scroll sideways to the rest of it.
const SMALLEST_FORMULA = 0.6;

const formulaWidth = (maths) =>
  (maths.querySelector("mjx-math") || maths).getBoundingClientRect().width;

function shrink(maths, width) {
  const scale = Math.max(SMALLEST_FORMULA, width / formulaWidth(maths));
  if (scale >= 1) return;
  const size = parseFloat(getComputedStyle(maths).fontSize);
  maths.style.fontSize = `${Math.floor(size * scale * 10) / 10}px`;
}

function fitFormulasToColumn() {
  const article = document.querySelector(".bd-article");
  if (!article) return;
  const right =
    article.getBoundingClientRect().right -
    parseFloat(getComputedStyle(article).paddingRight);
  for (const maths of article.querySelectorAll("mjx-container")) {
    const box = (maths.querySelector("mjx-math") || maths).getBoundingClientRect();
    if (box.width > 0 && box.right > right + 0.5) shrink(maths, right - box.left);
  }
}

// A table that is not stacked (two columns) is as wide as its widest formula
// lets it be: where that is wider than the column, the widest formulas are
// set smaller by the difference.
function fitFormulasInTables() {
  for (const table of document.querySelectorAll(".bd-article table:not(.stacked)")) {
    const excess = table.scrollWidth - table.parentElement.clientWidth;
    if (excess <= 1) continue;
    const formulas = Array.from(table.querySelectorAll("mjx-container"));
    const widest = Math.max(0, ...formulas.map(formulaWidth));
    for (const maths of formulas) shrink(maths, widest - excess - 1);
  }
}

// A table wider than the text column is shown row by row: each row a block,
// each cell on its own line, labelled with its column's header (glowlab.css,
// table.stacked), so no column hides behind a sideways scroll. Only a table
// with a header row and three or more columns: a two-column table wraps its
// cells, and the index's letter tables (genindex) are not data.
function stackWideTables() {
  for (const table of document.querySelectorAll(".bd-article table")) {
    const headers = Array.from(table.querySelectorAll("thead th"), (th) =>
      th.innerText.trim(),
    );
    table.classList.remove("stacked");
    if (table.matches(".indextable") || headers.length < 3) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.children).forEach((cell, i) => {
        if (headers[i]) cell.dataset.label = headers[i];
      });
    }
    const box = table.parentElement;
    if (table.scrollWidth > box.clientWidth + 1) table.classList.add("stacked");
  }
}

// Printed prose wraps between words only: a word or number with a hyphen in
// it ("log-det", "1e-12") is kept whole, where a browser would break after
// the hyphen (printed tables do not wrap at all: glowlab.css, .tabular). In a
// table's cells, numbers ("3.0e-07") are kept whole.
function keepWhole(selector, token) {
  for (const box of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    const texts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const inside = node.parentElement.closest(".nowrap, mjx-container");
      if (!inside && token.test(node.textContent)) texts.push(node);
    }
    for (const node of texts) {
      const parts = node.textContent.split(new RegExp(`(${token.source})`));
      node.replaceWith(
        ...parts.map((part, i) => {
          if (i % 2 === 0) return document.createTextNode(part);
          const whole = document.createElement("span");
          whole.className = "nowrap";
          whole.textContent = part;
          return whole;
        }),
      );
    }
  }
}

function keepWordsWhole() {
  keepWhole(".bd-article .cell_output .output:not(.tabular) pre", /\S*\S-\S\S*/);
  keepWhole(".bd-article td, .bd-article th", /\S*-\d\S*/);
}

// The phone's chapter menu and "Contents" drawer close when a link in them is
// chosen: pydata-sphinx-theme 0.17 closes them only on Escape or a tap beside
// them, so the drawer stayed over the section the reader asked for.
function closeDrawersOnNavigation() {
  for (const id of ["pst-primary-sidebar-modal", "pst-secondary-sidebar-modal"]) {
    const drawer = document.getElementById(id);
    drawer?.addEventListener("click", (event) => {
      if (event.target.closest("a[href]")) drawer.close();
    });
  }
}

function layout() {
  for (const maths of document.querySelectorAll(".bd-article mjx-container")) {
    maths.style.fontSize = "";
  }
  stackWideTables();
  fitFormulasToColumn();
  fitFormulasInTables();
  document.documentElement.dataset.layout = "done"; // tests/site waits for it
}

document.addEventListener("DOMContentLoaded", closeDrawersOnNavigation);
// After MathJax has typeset and the fonts have loaded (both set a table's
// width), and on resizing.
window.addEventListener("load", () => {
  keepWordsWhole();
  const typeset = window.MathJax?.startup?.promise ?? Promise.resolve();
  typeset.then(() => document.fonts.ready).then(layout);
});
window.addEventListener("resize", layout);
