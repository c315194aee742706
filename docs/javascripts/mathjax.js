// MathJax 4 reads the formulas that pymdownx.arithmatex wraps in \( \) and \[ \].
// The site works opened from disk (file://), so everything MathJax loads is local (assets/vendor,
// copied from npm by scripts/docs_assets.py), and the accessibility extras that need a Web Worker
// started from a blob: URL, which file:// pages may not start, are switched off: semantic
// enrichment, speech and braille. Screen readers still get MathML (assistive-mml).
window.MathJax = {
  loader: {
    load: ["a11y/assistive-mml"],
    // The font's extra glyphs sit next to MathJax, not on a CDN.
    paths: { fonts: "[mathjax]/fonts" },
  },
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  output: { font: "mathjax-newcm" },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
    enableEnrichment: false,
    enableSpeech: false,
    enableBraille: false,
    enableExplorer: false,
    menuOptions: {
      settings: { enrich: false, speech: false, braille: false, assistiveMml: true },
    },
  },
};

// Material for MkDocs swaps pages without a reload when instant navigation is on (it is off
// here, but a theme update may turn it on): typeset each new page once MathJax is ready. Before
// MathJax has loaded, window.MathJax is still the configuration above, and MathJax typesets the
// first page itself. MathJax 4's SVG output has no clearCache(): only the TeX state is reset.
document$.subscribe(() => {
  if (!window.MathJax.startup || !window.MathJax.startup.promise) return;
  MathJax.startup.promise = MathJax.startup.promise.then(() => {
    MathJax.typesetClear();
    MathJax.texReset();
    return MathJax.typesetPromise();
  });
});
