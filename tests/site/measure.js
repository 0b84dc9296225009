// What a reader meets on one page, measured once per page and width for
// tests/site/test_reader.py. Every disclosure is opened first: a reader opens
// them, and a closed one has no size to measure.
async () => {
  for (const details of document.querySelectorAll("main details")) {
    details.open = true;
  }
  for (const hidden of document.querySelectorAll("main .toggle-hidden")) {
    hidden.classList.remove("toggle-hidden");
  }
  // Let the site's script lay out what the disclosures showed (glowlab.js
  // fits formulas and stacks tables again on a resize).
  delete document.documentElement.dataset.layout;
  window.dispatchEvent(new Event("resize"));
  while (document.documentElement.dataset.layout !== "done") {
    await new Promise((done) => requestAnimationFrame(() => done()));
  }

  const screen = window.innerWidth;
  const main = document.querySelector("main");
  const text = (e) => e.textContent.replace(/\s+/g, " ").trim().slice(0, 80);
  const px = (value) => parseFloat(value) || 0;

  // Where a box is cut off: past the screen's edges, or past an ancestor that
  // hides or scrolls what overflows it (a block, not an inline span, whose
  // overflow does not apply).
  const cutOff = (box, element) => {
    if (box.left < -0.5 || box.right > screen + 0.5) return "past the screen";
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.overflowX === "visible" || style.display === "inline") continue;
      const edge = e.getBoundingClientRect();
      if (box.left < edge.left - 0.5 || box.right > edge.right + 0.5) {
        return `past ${e.tagName.toLowerCase()}.${[...e.classList].join(".")}`;
      }
    }
    return null;
  };

  // Where each line of a <pre> (or any element) wraps: the characters either
  // side of the break.
  const wraps = (pre) => {
    const found = [];
    const range = document.createRange();
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    let top = null;
    let before = "";
    let line = "";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("mjx-container")) continue; // MathJax's own
      const chars = node.textContent;
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i];
        if (c === "\n") {
          top = null;
          line = "";
          before = c;
          continue;
        }
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (box && box.width > 0) {
          if (top !== null && box.top > top + 2) {
            found.push({ before, after: c, at: line.slice(-30) });
          }
          top = box.top;
        }
        before = c;
        line += c;
      }
    }
    return found;
  };

  // How many characters of a block's code font fit on one line of the block.
  const capacity = (pre) => {
    const probe = document.createElement("span");
    probe.textContent = "0".repeat(100);
    probe.style.whiteSpace = "pre";
    pre.appendChild(probe);
    const charWidth = probe.getBoundingClientRect().width / 100;
    probe.remove();
    const style = getComputedStyle(pre);
    const room = pre.clientWidth - px(style.paddingLeft) - px(style.paddingRight);
    return Math.floor(room / charWidth + 0.01);
  };

  const codeBlocks = [...main.querySelectorAll("div.highlight pre")].filter(
    (pre) => !pre.closest(".cell_output"),
  );
  const outputs = [...main.querySelectorAll(".cell_output pre")];
  const visible = (e) => e.getClientRects().length > 0;

  return {
    screen,
    pageWidth: document.documentElement.scrollWidth,
    // Item 1: a Markdown table that was not parsed reads as a paragraph of pipes.
    pipes: [...main.querySelectorAll("p")]
      .filter((p) => p.innerText.trim().startsWith("|"))
      .map(text),
    outputTables: main.querySelectorAll(".cell_output table").length,
    // Item 2: code.
    code: codeBlocks.filter(visible).map((pre) => ({
      scrolls: pre.scrollWidth > pre.clientWidth + 1,
      longest: Math.max(...pre.textContent.split("\n").map((l) => l.length)),
      capacity: capacity(pre),
      fontSize: px(getComputedStyle(pre).fontSize),
      text: text(pre),
    })),
    // Item 3: printed outputs.
    outputs: outputs.filter(visible).map((pre) => ({
      text: pre.textContent,
      wraps: wraps(pre),
      overflows: pre.scrollWidth > pre.clientWidth + 1,
      scrolls: ["auto", "scroll"].includes(getComputedStyle(pre).overflowX),
      cut: cutOff(pre.getBoundingClientRect(), pre),
    })),
    // Item 4: figures, as shown.
    images: [...main.querySelectorAll("img")]
      .filter((i) => i.closest("figure, .cell_output"))
      .map((i) => ({ src: i.getAttribute("src"), shown: i.getBoundingClientRect().width })),
    // Item 5: formulas.
    mathsCut: [...main.querySelectorAll("mjx-container")]
      .filter(visible)
      .map((m) => {
        const formula = m.querySelector("mjx-math") || m;
        return [text(m), cutOff(formula.getBoundingClientRect(), formula)];
      })
      .filter(([, cut]) => cut),
    // Item 7: the links to the previous and next page, and the title.
    navCut: [...document.querySelectorAll(".prev-next-area a, .prev-next-area a *")]
      .filter(visible)
      .map((e) => [e.tagName.toLowerCase() + "." + [...e.classList].join("."),
                   cutOff(e.getBoundingClientRect(), e)])
      .filter(([, cut]) => cut),
    titles: [...main.querySelectorAll("h1")].filter(visible).map((h) => {
      const style = getComputedStyle(h);
      const lineHeight = px(style.lineHeight) || 1.2 * px(style.fontSize);
      return {
        text: text(h),
        lines: Math.round(h.getBoundingClientRect().height / lineHeight),
        fontSize: px(style.fontSize),
      };
    }),
    // Item 3: a number in a table cell broken after its minus ("3.0e-" / "07").
    tableBreaks: [...main.querySelectorAll("td, th")]
      .filter(visible)
      .flatMap((cell) => wraps(cell).filter((w) => w.before === "-" && /\d/.test(w.after))),
    // Item 8: tables shown row by row.
    stacked: [...main.querySelectorAll("table.stacked")].map((t) => ({
      header: t.querySelectorAll("thead th").length,
      columns: Math.max(0, ...[...t.rows].map((r) => r.cells.length)),
      index: t.classList.contains("indextable"),
    })),
    // Item 9: the bibliography.
    citations: [...main.querySelectorAll(".citation")].map((c) => ({
      label: c.querySelector(".label").innerText.replace(/^\[|\]$/g, ""),
      text: text(c),
    })),
    // Item 10: each exercise and the disclosures that follow it, up to the next
    // exercise or heading.
    exercises: [...main.querySelectorAll("p")]
      .filter((p) => /^Exercise \d+\./.test(p.innerText.trim()))
      .map((p) => {
        const disclosures = [];
        for (let e = p.nextElementSibling; e; e = e.nextElementSibling) {
          if (/^H\d$/.test(e.tagName) || e.tagName === "SECTION") break;
          if (e.tagName === "P" && /^Exercise \d+\./.test(e.innerText.trim())) break;
          const found = e.matches("details, .dropdown, .toggle")
            ? [e]
            : [...e.querySelectorAll("details, .dropdown, .toggle")];
          for (const d of found) {
            // The label a closed disclosure shows (all are open now).
            const label =
              d.querySelector("summary .collapsed") ||
              d.querySelector("summary, .admonition-title");
            disclosures.push({
              label: label ? label.textContent.trim() : "",
              code: d.querySelectorAll(".cell_input").length,
              output: d.querySelectorAll(".cell_output").length,
              text: d.innerText.replace(/\s+/g, " "),
            });
          }
        }
        const exercise = p.innerText.trim().match(/^Exercise \d+\./)[0];
        return { exercise, disclosures };
      }),
    // Item 10: a control whose aria-label hides its visible text from a screen
    // reader (a keyboard shortcut shown beside it is a hint, not its label).
    ariaReplaced: [
      ...document.querySelectorAll("summary[aria-label], button[aria-label], a[aria-label]"),
    ]
      .filter(visible)
      .map((e) => {
        const label = e.cloneNode(true);
        label.querySelectorAll("kbd").forEach((k) => k.remove());
        const shown = label.textContent.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
        return [e.getAttribute("aria-label"), shown];
      })
      .filter(([aria, shown]) => shown && !aria.includes(shown)),
  };
};
