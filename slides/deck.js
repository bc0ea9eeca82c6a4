/* Lecture slides of "Transposed Convolution, Demystified": reveal.js set up for a projector.
 * Written by `make slides` (scripts/slides.py) beside every deck. reveal.js and its notes
 * plugin are loaded before this file, from the deck's own _reveal/ folder.
 *
 * Keys: reveal.js's own (→/Space/N next, ←/P back, Home/End, Esc/O overview, S speaker
 * notes, F full screen, ? help). Inside a step-by-step player (Tab to it, or click it) the
 * arrows, Home and End step the player instead, as they do in the book; Esc leaves it. */
(function () {
  "use strict";
  var inWidget = function (node) {
    return node instanceof Element &&
      node.closest(".tconv-player, .tconv-error, input, select, textarea, button") !== null;
  };
  // reveal.js labels its arrows and writes its help (?) in English; the deck says them in its
  // own language (scripts/slides.py writes the words into the .reveal element)
  Reveal.on("ready", function () {
    var root = document.querySelector(".reveal");
    var labels = JSON.parse(root.getAttribute("data-control-labels") || "{}");
    Object.keys(labels).forEach(function (name) {
      root.querySelectorAll(".controls ." + name).forEach(function (button) {
        button.setAttribute("aria-label", labels[name]);
      });
    });
    // the help (?) and the jump box (G) are written in English each time they open
    var words = JSON.parse(root.getAttribute("data-help-words") || "{}");
    if (!Object.keys(words).length) return;
    var say = function (text) { return words[text] || text; };
    new MutationObserver(function () {
      root.querySelectorAll(".r-overlay-help .title, .r-overlay-help th, " +
                            ".r-overlay-help td:nth-child(2)").forEach(function (el) {
        if (words[el.textContent]) el.textContent = words[el.textContent];
      });
      root.querySelectorAll(".jump-to-slide-input").forEach(function (input) {
        input.placeholder = say(input.placeholder);
      });
    }).observe(root, {childList: true, subtree: true});
  });
  Reveal.initialize({
    width: 1280,
    height: 720,
    margin: 0.04,
    center: false,
    display: "flex", // each slide a column: title, then the body filling the rest
    hash: true,
    history: false,
    controls: true,
    controlsTutorial: false,
    progress: true,
    slideNumber: "c/t",
    showSlideNumber: "all",
    transition: "none",
    backgroundTransition: "none",
    // keys typed inside a player belong to the player
    keyboardCondition: function (event) { return !inWidget(event.target); },
    plugins: [RevealNotes],
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && inWidget(event.target)) {
      event.target.blur();
      event.preventDefault();
    }
  });
})();
